package dev.jrwkv.cli;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Where a command reads and writes: {@code stdin} for input (chat), {@code stdout} for raw bytes
 * (generated text), {@code out} for text on the same stream, {@code err} for messages;
 * {@code terminal} says whether a person is at a terminal (progress bars, line editing). Tests pass
 * their own buffers.
 *
 * <pre>{@code
 * var io = StdStreams.of(new ByteArrayOutputStream(), new ByteArrayOutputStream());
 * }</pre>
 */
public record StdStreams(InputStream stdin, OutputStream stdout, PrintWriter out, PrintWriter err, boolean terminal) {

    /** Streams over {@code stdout} and {@code stderr} with an empty stdin, not a terminal. */
    public static StdStreams of(OutputStream stdout, OutputStream stderr) {
        return of(new ByteArrayInputStream(new byte[0]), stdout, stderr);
    }

    /** Streams over the given stdin, stdout and stderr, text in UTF-8, flushed on every line; not a terminal. */
    public static StdStreams of(InputStream stdin, OutputStream stdout, OutputStream stderr) {
        return new StdStreams(stdin, stdout,
                new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), true),
                new PrintWriter(new OutputStreamWriter(stderr, StandardCharsets.UTF_8), true), false);
    }

    /** The process's standard streams; a terminal when stdin and stdout are one. */
    public static StdStreams system() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        java.io.Console console = System.console();
        StdStreams s = of(System.in, out, err);
        return new StdStreams(s.stdin(), s.stdout(), s.out(), s.err(), console != null && console.isTerminal());
    }
}
