package dev.jrwkv.generate;

import java.util.concurrent.atomic.AtomicBoolean;

/** A flag another thread sets to end a generation after the current token. */
public final class Cancellation {
    private final AtomicBoolean cancelled = new AtomicBoolean();

    public void cancel() {
        cancelled.set(true);
    }

    public boolean isCancelled() {
        return cancelled.get();
    }
}
