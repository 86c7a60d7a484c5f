package dev.jrwkv.cli;

import dev.jrwkv.generate.Cancellation;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Streams generated text to stdout: each piece (complete UTF-8 characters, as the generator emits
 * them) is written and flushed at once. When the reader goes away (e.g. piped into {@code head}),
 * generation is cancelled quietly.
 */
final class TextOut {
    private final OutputStream out;
    private final Cancellation cancel;
    private boolean closed;

    TextOut(OutputStream out, Cancellation cancel) {
        this.out = out;
        this.cancel = cancel;
    }

    void write(String piece) {
        if (piece.isEmpty() || closed) return;
        try {
            out.write(piece.getBytes(StandardCharsets.UTF_8));
            out.flush();   // stream: the user sees each piece as soon as it is decided
        } catch (IOException e) {
            closed = true;
        }
        // System.out never throws: it records the failure instead
        if (out instanceof PrintStream ps && ps.checkError()) closed = true;
        if (closed) cancel.cancel();
    }
}
