package dev.jrwkv.train;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A corpus memory-mapped from a file: ids of 1, 2 or 4 bytes (little-endian) from {@code base} on.
 * The pages are the operating system's to cache and drop, so the heap does not grow with the file.
 */
final class MappedCorpus implements TokenCorpus {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final Arena arena;
    private final MemorySegment ids;
    private final int width;
    private final long size;
    private final int vocabBound;

    private MappedCorpus(Path file, Arena arena, MemorySegment ids, int width, int vocabBound) {
        this.file = file;
        this.arena = arena;
        this.ids = ids;
        this.width = width;
        this.size = ids.byteSize() / width;
        this.vocabBound = vocabBound;
    }

    /** The bytes of {@code file} as ids 0..255. */
    static MappedCorpus bytes(Path file) {
        long size = checkedSize(file);
        if (size == 0) throw new CorpusException(file, "the corpus is empty");
        return map(file, 0, size, 1, 256);
    }

    /** {@code count} ids of {@code width} bytes from {@code base} on, each below {@code vocabBound}. */
    static MappedCorpus map(Path file, long base, long count, int width, int vocabBound) {
        Arena arena = Arena.ofShared();           // shared: a trainer may be built on one thread and stepped on another
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, base, count * width, arena);
            return new MappedCorpus(file, arena, all, width, vocabBound);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e instanceof CorpusException c ? c : new CorpusException(file, "cannot map the corpus: " + e.getMessage(), e);
        }
    }

    /** The size of a readable regular file, or a {@link CorpusException} saying why it cannot be the corpus. */
    static long checkedSize(Path file) {
        try {
            if (Files.isDirectory(file)) throw new CorpusException(file, "is a folder, not a text file");
            if (!Files.isReadable(file)) {
                throw new CorpusException(file, Files.exists(file) ? "cannot read the corpus: permission denied" : "no such file");
            }
            return Files.size(file);
        } catch (NoSuchFileException e) {
            throw new CorpusException(file, "no such file", e);
        } catch (IOException e) {
            throw new CorpusException(file, "cannot read the corpus: " + e, e);
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int vocabBound() {
        return vocabBound;
    }

    @Override
    public void read(long from, int[] dst, int at, int n) {
        Objects.checkFromIndexSize(from, n, size);
        Objects.checkFromIndexSize(at, n, dst.length);
        switch (width) {
            case 1 -> {
                for (int i = 0; i < n; i++) dst[at + i] = ids.get(ValueLayout.JAVA_BYTE, from + i) & 0xFF;
            }
            case 2 -> {
                for (int i = 0; i < n; i++) dst[at + i] = ids.get(U16, (from + i) * 2) & 0xFFFF;
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    int id = ids.get(U32, (from + i) * 4);
                    // the cache was checked when it was written; a file changed under us since is a clear error, not a crash
                    if (id < 0 || id >= vocabBound) throw new CorpusException(file, "token " + (from + i) + " is " + id + ", outside the vocabulary of " + vocabBound + " (the file changed?)");
                    dst[at + i] = id;
                }
            }
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
