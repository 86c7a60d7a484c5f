package dev.jrwkv.server;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.generate.FinishReason;
import dev.jrwkv.generate.StateCache;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Advances every live session together: each step is one {@link Model#forwardBatch} over the last
 * sampled token of every decoding session plus a chunk of the prompt of sessions still reading
 * theirs (at most {@code promptChunk} prompt tokens per step in all, so a long prompt never stalls
 * the others). New sessions join between steps (continuous batching); a bounded queue holds those
 * waiting for a slot; a cancelled session leaves at the next step. A prompt that extends a cached
 * token prefix starts from a copy of the cached state; the state after each prompt and after each
 * finished turn goes into the cache.
 *
 * <p>One platform thread runs the steps; it never blocks on a client: events go to each session's
 * consumer, which must only hand them over (e.g. to a queue).
 */
final class BatchScheduler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BatchScheduler.class.getName());

    private final Model model;
    private final int maxSessions;
    private final int queueSize;
    private final int promptChunk;
    private final StateCache cache;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Session> waiting = new ArrayDeque<>();
    private final List<Session> active = new ArrayList<>();
    private volatile int activeCount;
    private volatile boolean closed;
    private final Thread thread;
    private Metrics metrics;

    /**
     * @param cache the state cache, or null for none
     */
    BatchScheduler(Model model, int maxSessions, int queueSize, int promptChunk, StateCache cache) {
        this.model = model;
        this.maxSessions = maxSessions;
        this.queueSize = queueSize;
        this.promptChunk = promptChunk;
        this.cache = cache;
        this.thread = Thread.ofPlatform().name("jrwkv-scheduler").daemon(true).unstarted(this::loop);
    }

    void start(Metrics m) {
        this.metrics = m;
        thread.start();
    }

    /**
     * Queues all of {@code sessions} (the choices of one request) or none.
     *
     * @throws QueueFullException when sessions and queue together have no room for them
     */
    void submit(List<Session> sessions) {
        lock.lock();
        try {
            if (closed) throw new JrwkvException("the server is shutting down");
            int capacity = maxSessions + queueSize;
            if (activeCount + waiting.size() + sessions.size() > capacity) throw new QueueFullException(sessions.size(), capacity);
            waiting.addAll(sessions);
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Takes {@code session} out of the queue, or out of the batch at the next step. */
    void cancel(Session session) {
        session.cancel();
        lock.lock();
        try {
            waiting.remove(session);
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    int queueDepth() {
        return waiting.size();
    }

    int activeSessions() {
        return activeCount;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        try {
            while (admit()) step();
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "scheduler stopped", t);
        } finally {
            lock.lock();
            try {
                closed = true;
                List<Session> left = new ArrayList<>(active);
                left.addAll(waiting);
                waiting.clear();
                active.clear();
                activeCount = 0;
                for (Session s : left) s.events.accept(new SessionEvent.Failed(s.index, new JrwkvException("the server is shutting down")));
            } finally {
                lock.unlock();
            }
        }
    }

    /** Drops cancelled sessions and fills free slots from the queue; waits while there is nothing to do. False once closed. */
    private boolean admit() throws InterruptedException {
        active.removeIf(Session::cancelled);
        lock.lock();
        try {
            while (true) {
                if (closed) return false;
                expireWaiting();
                while (active.size() < maxSessions && !waiting.isEmpty()) {
                    Session s = waiting.poll();
                    if (!s.cancelled()) {
                        begin(s);
                        active.add(s);
                    }
                }
                activeCount = active.size();
                if (!active.isEmpty()) return true;
                work.await();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Queued sessions whose time limit passed before they got a slot fail with a timeout. Lock held. */
    private void expireWaiting() {
        if (waiting.isEmpty()) return;
        long now = System.nanoTime();
        for (var it = waiting.iterator(); it.hasNext(); ) {
            Session s = it.next();
            if (s.expired(now)) {
                it.remove();
                s.events.accept(new SessionEvent.Failed(s.index, timedOut()));
                metrics.timeLimited();
            }
        }
    }

    /**
     * Active sessions past their time limit: one still reading its prompt fails with a timeout; one decoding
     * ends as if {@code max_tokens} were reached (finish reason {@code length}), its held-back text flushed.
     */
    private void expireActive() {
        long now = System.nanoTime();
        for (Session s : active) {
            if (s.phase == null || s.phase == Session.Phase.CLOSING || s.cancelled() || !s.expired(now)) continue;
            if (s.phase == Session.Phase.DECODE) {
                s.decoder.cancel();
                String rest = s.decoder.flush();
                if (!rest.isEmpty()) s.events.accept(new SessionEvent.Text(s.index, rest));
                s.events.accept(new SessionEvent.Finished(s.index, FinishReason.LENGTH, s.prompt.length, s.cachedTokens, s.decoder.completionTokens()));
            } else {
                s.events.accept(new SessionEvent.Failed(s.index, timedOut()));
            }
            s.ready = null;
            s.phase = null;
            metrics.timeLimited();
        }
    }

    private static ApiException timedOut() {
        return new ApiException(503, "server_error", null, "timeout",
                "the request reached the server's time limit before generation began; try again later or with a shorter prompt");
    }

    /** A session's first moment in the batch: its state comes from the cache, a named state, or zeros. */
    private void begin(Session s) {
        StateCache.Hit hit = cache == null ? null : cache.lookup(s.base, s.prompt);
        if (hit != null) {
            s.state = hit.state();
            s.read = hit.length();
            s.cachedTokens = hit.length();
            if (hit.length() == s.prompt.length) s.ready = hit.logits();
        } else {
            s.state = s.initial != null ? s.initial.copy() : model.newState();
        }
        s.phase = Session.Phase.PROMPT;
    }

    private void step() {
        int generated = 0;
        expireActive();
        // sessions whose whole prompt came from the cache sample without a forward
        for (Session s : active) {
            if (s.ready != null && !s.cancelled() && s.phase != null) {
                float[] logits = s.ready;
                s.ready = null;
                generated += afterLogits(s, logits);
            }
        }
        List<Session> fed = new ArrayList<>(active.size());
        List<int[]> inputs = new ArrayList<>(active.size());
        int budget = promptChunk;
        int promptRead = 0;
        for (Session s : active) {
            if (s.cancelled() || s.phase == null) continue;
            switch (s.phase) {
                case PROMPT -> {
                    if (budget == 0 || s.read == s.prompt.length) continue;
                    int n = Math.min(budget, s.prompt.length - s.read);
                    budget -= n;
                    promptRead += n;
                    fed.add(s);
                    inputs.add(Arrays.copyOfRange(s.prompt, s.read, s.read + n));
                }
                case DECODE, CLOSING -> {
                    fed.add(s);
                    inputs.add(new int[] {s.pending});
                }
                case WAITING -> throw new IllegalStateException("a waiting session in the batch");
            }
        }
        active.removeIf(s -> s.cancelled() || s.phase == null);
        if (!fed.isEmpty()) {
            float[][] logits;
            try {
                State[] states = new State[fed.size()];
                for (int i = 0; i < states.length; i++) states[i] = fed.get(i).state;
                logits = model.forwardBatch(inputs.toArray(int[][]::new), states);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "batched forward failed", e);
                for (Session s : fed) {
                    s.events.accept(new SessionEvent.Failed(s.index, e));
                    s.phase = null;
                }
                active.removeIf(s -> s.phase == null);
                metrics.step(generated);
                return;
            }
            metrics.promptTokensRead(promptRead);
            for (int i = 0; i < fed.size(); i++) {
                Session s = fed.get(i);
                switch (s.phase) {
                    case PROMPT -> {
                        s.read += inputs.get(i).length;
                        if (s.read == s.prompt.length) {
                            if (cache != null) cache.put(s.base, s.prompt, s.state, logits[i]);
                            generated += afterLogits(s, logits[i]);
                        }
                    }
                    case DECODE -> generated += afterLogits(s, logits[i]);
                    case CLOSING -> {
                        // the last token is in the state now: the turn can be continued from the cache,
                        // and only then does the client hear that the answer is complete (a follow-up
                        // request sent at once must find it)
                        cache.put(s.base, s.conversation(), s.state, logits[i]);
                        s.events.accept(s.closing);
                        s.phase = null;
                    }
                    default -> throw new IllegalStateException("unexpected phase " + s.phase);
                }
            }
        }
        active.removeIf(s -> s.phase == null);
        activeCount = active.size();
        metrics.step(generated);
    }

    /** Samples the next token of {@code s}, sends its text, and decides whether the session goes on. Returns 1. */
    private int afterLogits(Session s, float[] logits) {
        int token = s.decoder.sample(logits);
        s.recordSampled(token);
        s.pending = token;
        String text = s.decoder.accept(token);
        if (!text.isEmpty()) s.events.accept(new SessionEvent.Text(s.index, text));
        if (s.decoder.finished()) {
            String rest = s.decoder.flush();
            if (!rest.isEmpty()) s.events.accept(new SessionEvent.Text(s.index, rest));
            SessionEvent.Finished finished = new SessionEvent.Finished(s.index, s.decoder.finishReason(), s.prompt.length, s.cachedTokens,
                    s.decoder.completionTokens());
            // like Generator, the last token still goes into the state: worth a row only to cache the turn
            if (cache != null) {
                s.closing = finished;
                s.phase = Session.Phase.CLOSING;
            } else {
                s.events.accept(finished);
                s.phase = null;
            }
        } else {
            s.phase = Session.Phase.DECODE;
        }
        return 1;
    }
}
