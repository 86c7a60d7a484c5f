package dev.jrwkv.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A fixed pool of worker threads that splits a range {@code [0, n)} into one contiguous part per
 * worker. Callers give every part its own output rows, so results never depend on the thread count.
 *
 * <pre>{@code
 * try (Parallel pool = new Parallel(4)) {
 *     pool.forRange(rows, (worker, from, to) -> { for (int r = from; r < to; r++) ... });
 * }
 * }</pre>
 */
public final class Parallel implements AutoCloseable {

    /** A body run for {@code [from, to)} by worker number {@code worker} (for per-worker scratch). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int worker, int from, int to);
    }

    private final int threads;
    private final ExecutorService pool;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "jrwkv-train");
            t.setDaemon(true);
            return t;
        });
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body} over {@code [0, n)} split into at most {@link #threads()} parts; the caller runs part 0. */
    public void forRange(int n, RangeBody body) {
        int parts = Math.min(threads, n);
        if (parts <= 1) {
            if (n > 0) body.run(0, 0, n);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            int worker = p, from = (int) ((long) n * p / parts), to = (int) ((long) n * (p + 1) / parts);
            futures.add(pool.submit(() -> body.run(worker, from, to)));
        }
        body.run(0, 0, (int) ((long) n / parts));
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                if (e.getCause() instanceof Error err) throw err;
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
