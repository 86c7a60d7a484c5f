package dev.jrwkv.train;

import dev.jrwkv.JrwkvException;

import java.nio.file.Path;

/** A training corpus that cannot be used: missing or unreadable, empty, or too short for the windows asked of it. */
public class CorpusException extends JrwkvException {
    public CorpusException(String message) {
        super(message);
    }

    public CorpusException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public CorpusException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
