package dev.jrwkv.generate;

/** Why generation ended. */
public enum FinishReason {
    /** {@code maxTokens} were generated. */
    LENGTH,
    /** A stop token or stop string was produced. */
    STOP,
    /** The caller cancelled. */
    CANCELLED
}
