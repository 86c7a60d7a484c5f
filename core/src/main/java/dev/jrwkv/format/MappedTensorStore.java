package dev.jrwkv.format;

import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SequencedCollection;
import java.util.SequencedMap;

/**
 * What every reader of a memory-mapped model file shares: the file, the arena that owns the
 * mapping (closing the store unmaps it), the named tensors in file order and the metadata. A
 * reader only parses; {@link #map} maps the file and unmaps it again if parsing fails.
 */
abstract sealed class MappedTensorStore implements TensorStore permits GgufFile, PyTorchFile, RwkvCppFile, SafetensorsFile {
    private final Path path;
    private final Arena arena;
    /** The whole mapped file: every tensor's bytes are a slice of it. */
    private final MemorySegment file;
    private final SequencedMap<String, Tensor> tensors;
    private final Map<String, String> metadata;

    MappedTensorStore(Path path, Arena arena, MemorySegment file, SequencedMap<String, Tensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        this.tensors = Collections.unmodifiableSequencedMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Reads the structure of a mapped file; the tensors it returns are slices of {@code file}. */
    @FunctionalInterface
    interface Parser<T> {
        T parse(Path path, Arena arena, MemorySegment file);
    }

    /** Maps {@code path} read-only and parses it; on any failure the mapping is released before the exception leaves. */
    static <T> T map(Path path, Parser<T> parser) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return parser.parse(path, arena, file);
        } catch (IOException e) {
            arena.close();
            throw new ModelFormatException(path, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public final Path path() {
        return path;
    }

    @Override
    public final SequencedCollection<String> names() {
        return tensors.sequencedKeySet();
    }

    @Override
    public final Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public final Optional<Tensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    @Override
    public final OptionalLong fileOffset(Tensor t) {
        MemorySegment data = t.data();
        if (!data.isNative() || !arena.scope().isAlive()) return OptionalLong.empty();
        long offset = data.address() - file.address();
        return offset >= 0 && offset + data.byteSize() <= file.byteSize() ? OptionalLong.of(offset) : OptionalLong.empty();
    }

    @Override
    public final void close() {
        arena.close();
    }
}
