package dev.jrwkv.format;

import dev.jrwkv.tensor.Tensor;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedCollection;
import java.util.SequencedMap;

/**
 * A {@link TensorStore} made of tensors derived from another store (renamed, reshaped, sliced or
 * transformed): a view that presents one layout under another's names. Closing it closes the source.
 *
 * <pre>{@code
 * TensorStore official = new DerivedTensorStore(source, "gguf", tensors, source.metadata());
 * }</pre>
 */
public final class DerivedTensorStore implements TensorStore {
    private final TensorStore source;
    private final String format;
    private final SequencedMap<String, Tensor> tensors;
    private final Map<String, String> metadata;

    /** {@code tensors} keep their order and are found by {@link Tensor#name()}. */
    public DerivedTensorStore(TensorStore source, String format, List<Tensor> tensors, Map<String, String> metadata) {
        this.source = source;
        this.format = format;
        SequencedMap<String, Tensor> m = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            if (m.put(t.name(), t) != null) throw new ModelFormatException(source.path(), "tensor " + t.name() + " would appear twice");
        }
        this.tensors = Collections.unmodifiableSequencedMap(m);
        this.metadata = Map.copyOf(metadata);
    }

    /** The store the tensors come from. */
    public TensorStore source() {
        return source;
    }

    @Override
    public Path path() {
        return source.path();
    }

    @Override
    public String format() {
        return format;
    }

    @Override
    public SequencedCollection<String> names() {
        return tensors.sequencedKeySet();
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Optional<Tensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    @Override
    public void close() {
        source.close();
    }
}
