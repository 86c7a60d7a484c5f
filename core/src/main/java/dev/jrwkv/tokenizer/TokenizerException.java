package dev.jrwkv.tokenizer;

import dev.jrwkv.JrwkvException;

import java.nio.file.Path;

/**
 * A tokenizer file that cannot be read (the message names the file and the line or field), or a
 * token id / text that a tokenizer cannot handle (the message names the id or position).
 */
public class TokenizerException extends JrwkvException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }

    public TokenizerException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public TokenizerException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
