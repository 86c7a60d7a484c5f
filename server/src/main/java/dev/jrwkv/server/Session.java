package dev.jrwkv.server;

import dev.jrwkv.generate.SequenceDecoder;
import dev.jrwkv.model.State;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One sequence the {@link BatchScheduler} advances: its prompt, its own state and decoder, and where
 * its events go. The fields below the line belong to the scheduler thread.
 */
final class Session {
    enum Phase { WAITING, PROMPT, DECODE, CLOSING }

    final int index;
    /** Names the initial state ({@code ""} = zero state): the state cache's namespace. */
    final String base;
    final State initial;
    final int[] prompt;
    final SequenceDecoder decoder;
    final Consumer<SessionEvent> events;
    /** {@link System#nanoTime()} by which the sequence must have ended (the request's time limit). */
    final long deadline;
    private volatile boolean cancelled;

    // ---- scheduler thread only ----
    Phase phase = Phase.WAITING;
    State state;
    /** Prompt tokens already in the state. */
    int read;
    int cachedTokens;
    /** Logits ready without a forward (the whole prompt came from the cache). */
    float[] ready;
    /** The token sampled last, to be fed at the next step. */
    int pending = -1;
    /** The finish event, held back while the last token goes into the state and the turn into the cache. */
    SessionEvent.Finished closing;
    /** Every sampled token, stop token included: with the prompt, the key of the state after the turn. */
    int[] sampled = new int[16];
    int sampledCount;

    /**
     * @param initial  the state to start from (copied by the scheduler), or null for a zero state
     * @param deadline {@link System#nanoTime()} by which the sequence ends: still decoding, it finishes with
     *                 {@code length}; not yet decoding, it fails with a timeout
     */
    Session(int index, String base, State initial, int[] prompt, SequenceDecoder decoder, Consumer<SessionEvent> events, long deadline) {
        if (prompt.length == 0) throw new IllegalArgumentException("a session needs at least one prompt token");
        this.index = index;
        this.base = base;
        this.initial = initial;
        this.prompt = prompt;
        this.decoder = decoder;
        this.events = events;
        this.deadline = deadline;
    }

    boolean expired(long now) {
        return now - deadline > 0;
    }

    /** Frees the slot at the next step; no more events follow. Any thread. */
    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    void recordSampled(int token) {
        if (sampledCount == sampled.length) sampled = Arrays.copyOf(sampled, sampledCount * 2);
        sampled[sampledCount++] = token;
    }

    /** Prompt and every sampled token: what the state holds once the last one is fed. */
    int[] conversation() {
        int[] all = Arrays.copyOf(prompt, prompt.length + sampledCount);
        System.arraycopy(sampled, 0, all, prompt.length, sampledCount);
        return all;
    }
}
