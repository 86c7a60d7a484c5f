package dev.jrwkv.fuzz;

import dev.jrwkv.JrwkvException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The contract every reader keeps on hostile input: it returns a valid result or throws a
 * {@link JrwkvException} (a subclass naming the problem); it throws nothing else; it allocates on
 * the heap at most {@link #FIXED_ALLOWANCE} plus {@link #PER_INPUT_BYTE} bytes per input byte (a bound
 * derived from the file size: no header field may make it allocate more); and it returns within
 {@link #TIME_LIMIT_MS} (in campaigns, libFuzzer's {@code -timeout=10} also stops a hang in flight).
 *
 * <pre>{@code
 * InputContract.check(bytes, ".gguf", path -> { try (GgufFile f = GgufFile.open(path)) { return f.names().size(); } });
 * }</pre>
 */
public final class InputContract {
    /** Allocation any load may take whatever its input (tables of fixed size, JSON parser buffers, class loading). */
    public static final long FIXED_ALLOWANCE = 48L << 20;
    /** Allocation allowed per byte of input (UTF-16 copies of text files, JSON trees, parsed tables). */
    public static final long PER_INPUT_BYTE = 64;
    public static final long TIME_LIMIT_MS = 30_000;
    /**
     * Under a Jazzer campaign the instrumentation's comparison hooks allocate on the fuzzed thread in
     * proportion to the work done; the allocation bound is this many times looser there (the bugs it
     * is for are off by factors of thousands: a 20-byte file asking for 48 MB).
     */
    private static final long CAMPAIGN_SLACK = System.getenv("JAZZER_FUZZ") != null ? 4 : 1;

    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private InputContract() {
    }

    /** Reads a file; what it returns is only kept alive for the duration of the check. */
    @FunctionalInterface
    public interface Reader {
        Object read(Path file) throws Exception;
    }

    /** What happened: accepted (the reader returned) or rejected (with the message). */
    public record Outcome(boolean accepted, String message, long allocatedBytes, long millis) {
    }

    /** Writes {@code input} to a temporary file named {@code *suffix} and checks {@code reader} on it. */
    public static Outcome check(byte[] input, String suffix, Reader reader) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("jrwkv-fuzz");
            Path file = dir.resolve("input" + suffix);
            Files.write(file, input);
            return checkFile(file, input.length, reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) deleteTree(dir);
        }
    }

    /** Checks {@code reader} on an existing file of {@code size} bytes. */
    public static Outcome checkFile(Path file, long size, Reader reader) {
        Outcome first = run(file, size, reader);
        long bound = CAMPAIGN_SLACK * (FIXED_ALLOWANCE + PER_INPUT_BYTE * size);
        // The first run of a reader in a JVM also pays for loading (and, under Jazzer, instrumenting)
        // its classes on this thread: only an input that allocates too much twice breaks the bound.
        Outcome outcome = first.allocatedBytes() > bound ? run(file, size, reader) : first;
        if (outcome.allocatedBytes() > bound) {
            throw new AssertionError("reader allocated " + outcome.allocatedBytes() + " bytes for an input of " + size + " bytes (bound " + bound + ")"
                    + (outcome.accepted() ? "" : "; it then said: " + outcome.message()));
        }
        return outcome;
    }

    private static Outcome run(Path file, long size, Reader reader) {
        long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        boolean accepted;
        String message = null;
        try {
            reader.read(file);
            accepted = true;
        } catch (JrwkvException e) {
            accepted = false;
            message = e.getMessage();
            if (message == null || message.isBlank()) throw new AssertionError("a " + e.getClass().getName() + " without a message", e);
        } catch (Throwable e) {
            // anything else (IndexOutOfBounds, NullPointer, OutOfMemoryError, ArithmeticException, StackOverflowError ...) breaks the contract
            throw new AssertionError("reader threw " + e + " instead of a JrwkvException", e);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
        if (millis > TIME_LIMIT_MS) throw new AssertionError("reader took " + millis + " ms for an input of " + size + " bytes");
        return new Outcome(accepted, message, allocated, millis);
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            });
        } catch (IOException ignored) {
            // as above
        }
    }
}
