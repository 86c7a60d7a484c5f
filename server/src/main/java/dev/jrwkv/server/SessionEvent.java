package dev.jrwkv.server;

import dev.jrwkv.generate.FinishReason;

/** What the scheduler tells a request about one of its sequences (choice {@code index}). */
sealed interface SessionEvent {
    int index();

    /** Text that became visible (complete characters, nothing that may start a stop string). */
    record Text(int index, String text) implements SessionEvent {
    }

    /**
     * The sequence ended.
     *
     * @param cachedTokens prompt tokens taken from the state cache instead of being read
     */
    record Finished(int index, FinishReason reason, int promptTokens, int cachedTokens, int completionTokens) implements SessionEvent {
    }

    /** The sequence failed (model error, server shutting down). */
    record Failed(int index, RuntimeException error) implements SessionEvent {
    }
}
