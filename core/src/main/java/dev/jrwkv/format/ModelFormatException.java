package dev.jrwkv.format;

import dev.jrwkv.JrwkvException;

import java.nio.file.Path;

/** A model (or state) file that cannot be read: the message names the file and the problem. */
public class ModelFormatException extends JrwkvException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public ModelFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
