package dev.jrwkv.model;

import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Backend;
import dev.jrwkv.tensor.ScalarBackend;
import dev.jrwkv.tensor.VectorBackend;

import java.nio.file.Path;

/**
 * An RWKV model: feed tokens into a {@link State}, get logits. The state is the whole memory of the
 * context; it has a fixed size whatever the context length.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("tiny-rwkv-7v0-834K-FP32.bin"))) {
 *     State state = model.newState();
 *     float[] logits = model.forward(new int[] {'"', 'i', 'n'}, state);
 * }
 * }</pre>
 */
public interface Model extends AutoCloseable {

    /**
     * Loads any supported file with the fast kernels ({@link VectorBackend}, one thread per
     * processor); closing the model stops its threads.
     */
    static Model load(Path path) {
        VectorBackend backend = new VectorBackend();
        try {
            return ((RwkvModel) load(path, backend)).owning(backend);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /**
     * Loads any supported file with the given kernels (e.g. {@link ScalarBackend}, the reference, or a
     * {@link VectorBackend} shared by several models); the backend stays open when the model closes.
     * The version and sizes are detected from the tensors.
     */
    static Model load(Path path, Backend backend) {
        // GGUF, Hugging Face and web-rwkv files are read through views with the official names and values
        return fromStore(OfficialTensors.open(path, false), backend);
    }

    /**
     * Builds a model over tensors already open (for example held in memory by a trainer); the model
     * closes {@code store} when it closes.
     */
    static Model fromStore(TensorStore store, Backend backend) {
        try {
            ModelConfig config = ModelConfig.detect(store);
            return switch (config.version()) {
                case V4 -> new Rwkv4(config, store, backend);
                case V5_0, V5_1, V5_2 -> new Rwkv5(config, store, backend);
                case V6 -> new Rwkv6(config, store, backend);
                case V7 -> new Rwkv7(config, store, backend);
            };
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }


    ModelConfig config();

    /** A fresh, zero-initialised state for this model. */
    default State newState() {
        return new State(config());
    }

    /**
     * Feeds {@code tokens} (in sequence mode: layer by layer over all tokens) and returns the logits
     * after the last one. The same as calling {@link #step} for each token, within float rounding.
     */
    float[] forward(int[] tokens, State state);

    /** Feeds {@code tokens} and returns the logits after every one, position-major ({@code tokens.length x vocab}). */
    float[] forwardAll(int[] tokens, State state);

    /**
     * Feeds several independent sequences in one pass (each with its own state; weights are read once
     * for all of them) and returns the logits after the last token of each. The same, within float
     * rounding, as calling {@link #forward} for each sequence.
     */
    float[][] forwardBatch(int[][] tokens, State[] states);

    /** RNN mode: one token in, its logits out. */
    default float[] step(int token, State state) {
        return forward(new int[] {token}, state);
    }

    /**
     * A fingerprint of the weights that survives format changes (computed from the final LayerNorm,
     * which every format stores in float32): state files record it and refuse another model's state.
     */
    String fingerprint();

    @Override
    void close();
}
