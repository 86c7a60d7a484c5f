package dev.jrwkv.format;

import dev.jrwkv.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedCollection;
import java.util.SequencedMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DerivedTensorStoreTest {

    /** A source store that only names a path. */
    private static TensorStore source() {
        return new TensorStore() {
            @Override public Path path() { return Path.of("src.gguf"); }
            @Override public String format() { return "test"; }
            @Override public SequencedCollection<String> names() { return List.of(); }
            @Override public Map<String, String> metadata() { return Map.of(); }
            @Override public Optional<Tensor> find(String name) { return Optional.empty(); }
            @Override public void close() { }
        };
    }

    @Test
    void transposedEntriesAreCopiedOnlyWhenAskedFor() {
        Tensor vector = Tensor.ofFloats("v", new float[] {1, 2}, 2);
        Tensor stored = Tensor.ofFloats("blk.0.m", new float[] {1, 2, 3, 4, 5, 6}, 2, 3);   // [out 2, in 3]
        SequencedMap<String, Tensor> transposed = new LinkedHashMap<>();
        transposed.put("m", stored);
        DerivedTensorStore store = new DerivedTensorStore(source(), "test", List.of(vector), transposed, Map.of());

        assertThat(store.names()).containsExactly("v", "m");
        assertThat(store.findTransposed("m")).containsSame(stored);                    // no copy: the source's bytes
        assertThat(store.findTransposed("v")).isEmpty();
        Tensor m = store.get("m");
        assertThat(m.shape()).containsExactly(3, 2);
        assertThat(m.toFloats()).containsExactly(1, 4, 2, 5, 3, 6);
        assertThat(store.get("m")).isSameAs(m);                                        // made once
    }

    @Test
    void aNameTwiceIsAFormatError() {
        Tensor a = Tensor.ofFloats("m", new float[] {1, 2}, 1, 2);
        SequencedMap<String, Tensor> transposed = new LinkedHashMap<>();
        transposed.put("m", a);
        assertThatThrownBy(() -> new DerivedTensorStore(source(), "test", List.of(a), transposed, Map.of()))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("m would appear twice");
    }
}
