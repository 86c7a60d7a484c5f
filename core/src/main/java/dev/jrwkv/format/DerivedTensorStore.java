package dev.jrwkv.format;

import dev.jrwkv.tensor.Tensor;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
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
    /** Each name's tensor, or null for a matrix in {@link #stored} not transposed yet. */
    private final SequencedMap<String, Tensor> tensors;
    /** Matrices this store presents transposed, as the source holds them ({@code [out, in]} where the view says {@code [in, out]}). */
    private final Map<String, Tensor> stored;
    private final Map<String, Tensor> transposedCopies = new ConcurrentHashMap<>();
    private final Map<String, String> metadata;

    /** {@code tensors} keep their order and are found by {@link Tensor#name()}. */
    public DerivedTensorStore(TensorStore source, String format, List<Tensor> tensors, Map<String, String> metadata) {
        this(source, format, tensors, new LinkedHashMap<>(), metadata);
    }

    /**
     * Also presents each {@code transposed} entry (view name to source matrix) under its name with the
     * two axes swapped; {@link #names()} lists {@code tensors} first, in order, then these in the map's order.
     * The float32 transposed copy is made only when asked for, so a reader that can take the source's
     * orientation ({@link #findTransposed}) never pays for it.
     */
    public DerivedTensorStore(TensorStore source, String format, List<Tensor> tensors, SequencedMap<String, Tensor> transposed,
                              Map<String, String> metadata) {
        this.source = source;
        this.format = format;
        SequencedMap<String, Tensor> m = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            if (m.put(t.name(), t) != null) throw new ModelFormatException(source.path(), "tensor " + t.name() + " would appear twice");
        }
        for (Map.Entry<String, Tensor> e : transposed.entrySet()) {
            if (e.getValue().rank() != 2) throw new ModelFormatException(source.path(), "tensor " + e.getValue().name() + " is not a matrix");
            if (m.containsKey(e.getKey())) throw new ModelFormatException(source.path(), "tensor " + e.getKey() + " would appear twice");
            m.put(e.getKey(), null);
        }
        this.tensors = Collections.unmodifiableSequencedMap(m);
        this.stored = Map.copyOf(transposed);
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
        Tensor t = tensors.get(name);
        if (t != null || !stored.containsKey(name)) return Optional.ofNullable(t);
        return Optional.of(transposedCopies.computeIfAbsent(name, n -> stored.get(n).transposed(n)));
    }

    @Override
    public Optional<Tensor> findTransposed(String name) {
        return Optional.ofNullable(stored.get(name));
    }

    @Override
    public OptionalLong fileOffset(Tensor t) {
        return source.fileOffset(t);
    }

    @Override
    public void close() {
        source.close();
    }
}
