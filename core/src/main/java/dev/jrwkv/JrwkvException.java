package dev.jrwkv;

/**
 * Root of every error jrwkv reports about its inputs: a model file, a tokenizer file,
 * a state file, a flag or a request that is wrong. The message names what is wrong.
 */
public class JrwkvException extends RuntimeException {
    public JrwkvException(String message) {
        super(message);
    }

    public JrwkvException(String message, Throwable cause) {
        super(message, cause);
    }
}
