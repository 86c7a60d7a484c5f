package dev.jrwkv.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Where chat reads the user's messages: a terminal with line editing ({@link TerminalLines}) or
 * plain lines from a pipe. A line ending with a backslash continues on the next line, in both.
 */
interface LineSource extends AutoCloseable {

    /** The next message (continuation lines joined with {@code \n}), or null at the end of input. */
    String read();

    @Override
    default void close() {
    }

    /** Lines of a non-interactive stdin, UTF-8. */
    static LineSource piped(InputStream in) {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        return () -> {
            try {
                String line = reader.readLine();
                if (line == null) return null;
                StringBuilder message = new StringBuilder();
                while (line != null && line.endsWith("\\")) {
                    message.append(line, 0, line.length() - 1).append('\n');
                    line = reader.readLine();
                }
                if (line != null) message.append(line);
                return message.toString();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read stdin", e);
            }
        };
    }

    /** Joins lines continued with a trailing backslash ({@code "a\\\nb"} becomes {@code "a\nb"}). */
    static String joinContinued(String text) {
        return text.replace("\\\r\n", "\n").replace("\\\n", "\n");
    }
}
