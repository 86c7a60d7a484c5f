package dev.jrwkv.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Where a command writes: {@code stdout} for raw bytes (generated text), {@code out} for text on the
 * same stream, {@code err} for messages. Tests pass their own buffers.
 *
 * <pre>{@code
 * var io = StdStreams.of(new ByteArrayOutputStream(), new ByteArrayOutputStream());
 * }</pre>
 */
public record StdStreams(OutputStream stdout, PrintWriter out, PrintWriter err) {

    /** Streams over {@code stdout} and {@code stderr}, text in UTF-8, flushed on every line. */
    public static StdStreams of(OutputStream stdout, OutputStream stderr) {
        return new StdStreams(stdout,
                new PrintWriter(new java.io.OutputStreamWriter(stdout, StandardCharsets.UTF_8), true),
                new PrintWriter(new java.io.OutputStreamWriter(stderr, StandardCharsets.UTF_8), true));
    }

    /** The process's standard streams. */
    public static StdStreams system() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        return of(out, err);
    }
}
