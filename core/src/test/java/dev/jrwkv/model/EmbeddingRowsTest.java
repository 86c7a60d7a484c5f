package dev.jrwkv.model;

import dev.jrwkv.Fixtures;
import dev.jrwkv.format.DerivedTensorStore;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddingRowsTest {

    /** Every format jrwkv writes, from one rwkv.cpp file: the embedding is kept as stored, so it is read from the file. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"bin", "gguf", "safetensors", "pth", "st"})
    void rowsReadFromTheFileEqualTheMappedTensor(String extension, @TempDir Path dir) {
        Path source = Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP16.bin");
        Path file = source;
        if (!extension.equals("bin")) {
            file = dir.resolve("m." + extension);
            ModelConverter.convert(source, file, ModelConverter.Target.choose(file, null), null, new LinkedHashMap<>(), ModelConverter.Progress.NONE);
        }
        try (TensorStore store = OfficialTensors.open(file, true)) {
            Tensor emb = store.get("emb.weight");
            EmbeddingRows rows = new EmbeddingRows(emb, store);
            assertThat(rows.readsFile()).isTrue();
            assertSameRows(emb, rows);
            rows.close();
        }
    }

    @Test
    void aTensorThatIsNotInTheFileIsReadThroughTheTensor() {
        Path source = Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin");
        try (TensorStore file = OfficialTensors.open(source, true)) {
            Tensor stored = file.get("emb.weight");
            Tensor copy = Tensor.ofFloats("emb.weight", stored.toFloats(), stored.shape());
            TensorStore view = new DerivedTensorStore(file, "test", List.of(copy), Map.of());
            assertThat(view.fileOffset(stored)).isPresent();                    // the source's own tensor is in the file
            EmbeddingRows rows = new EmbeddingRows(copy, view);
            assertThat(rows.readsFile()).isFalse();
            assertSameRows(stored, rows);
        }
    }

    @Test
    void anInterruptedThreadStillReadsAndKeepsItsInterrupt() {
        Path source = Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-Q5_1.bin");
        try (TensorStore store = OfficialTensors.open(source, true)) {
            Tensor emb = store.get("emb.weight");
            EmbeddingRows rows = new EmbeddingRows(emb, store);
            float[] expected = new float[(int) emb.cols()], actual = new float[expected.length];
            emb.dequantizeRow(42, expected);
            Thread.currentThread().interrupt();
            try {
                rows.read(42, actual);
            } finally {
                assertThat(Thread.interrupted()).as("interrupt flag kept").isTrue();
            }
            assertThat(actual).containsExactly(expected);
            rows.read(43, actual);                                              // the channel survived the interrupt
            emb.dequantizeRow(43, expected);
            assertThat(actual).containsExactly(expected);
            rows.close();
            assertThatThrownBy(() -> rows.read(1, actual)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }

    private static void assertSameRows(Tensor emb, EmbeddingRows rows) {
        int vocab = (int) emb.rows(), width = (int) emb.cols();
        float[] expected = new float[width], actual = new float[width];
        for (int token : new int[] {0, 1, vocab / 2, vocab - 1}) {
            emb.dequantizeRow(token, expected);
            rows.read(token, actual);
            for (int i = 0; i < width; i++) {
                assertThat(Float.floatToRawIntBits(actual[i])).as("token %d [%d]", token, i).isEqualTo(Float.floatToRawIntBits(expected[i]));
            }
        }
    }
}
