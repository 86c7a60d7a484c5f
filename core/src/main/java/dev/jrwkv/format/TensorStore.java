package dev.jrwkv.format;

import dev.jrwkv.tensor.Tensor;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SequencedCollection;

/**
 * Named tensors read from one model file, in file order, over memory-mapped data. Closing the
 * store unmaps the file: tensors must not be used after that.
 *
 * <pre>{@code
 * try (TensorStore store = ModelFiles.open(Path.of("model.pth"))) {
 *     Tensor emb = store.get("emb.weight");
 * }
 * }</pre>
 */
public interface TensorStore extends AutoCloseable {

    /** The file the tensors come from. */
    Path path();

    /** The format, as a short name: {@code rwkv.cpp}, {@code pytorch}, {@code safetensors}, {@code gguf}. */
    String format();

    /** Names of every tensor, in file order. */
    SequencedCollection<String> names();

    /** Free-form metadata of the file (may be empty). */
    Map<String, String> metadata();

    Optional<Tensor> find(String name);

    /**
     * The matrix {@code name} with its two axes swapped, when the store holds it that way already and
     * presents {@code name} as a transposed copy: a reader that wants the stored orientation takes it
     * from here without two transposes and without the copy. Empty for most stores.
     */
    default Optional<Tensor> findTransposed(String name) {
        return Optional.empty();
    }

    /**
     * Where the bytes of {@code t}, a tensor of this store, start in the file {@link #path()}: present
     * when the store maps that file and {@code t} is kept as the file stores it (not a converted or
     * transposed copy), so that a reader can fetch parts of it with positioned reads instead.
     */
    default OptionalLong fileOffset(Tensor t) {
        return OptionalLong.empty();
    }

    /** The tensor called {@code name}, or a {@link ModelFormatException} naming the file and the missing tensor. */
    default Tensor get(String name) {
        return find(name).orElseThrow(() -> new ModelFormatException(path(), "missing tensor " + name));
    }

    default boolean contains(String name) {
        return find(name).isPresent();
    }

    @Override
    void close();
}
