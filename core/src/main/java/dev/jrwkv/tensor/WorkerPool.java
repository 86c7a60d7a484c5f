package dev.jrwkv.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed set of worker threads that run one parallel job at a time, split into numbered chunks.
 * The calling thread works too (as worker 0), so a pool of {@code n} threads starts {@code n - 1}
 * daemon threads. Chunks are handed out dynamically, so a slow or descheduled thread only delays
 * the job by the chunk it holds. Jobs from several callers are serialised.
 *
 * <pre>{@code
 * try (WorkerPool pool = new WorkerPool(4)) {
 *     float[] y = new float[100];
 *     pool.run(10, (worker, chunk) -> { for (int i = 0; i < 10; i++) y[chunk * 10 + i] = chunk; });
 * }
 * }</pre>
 */
public final class WorkerPool implements AutoCloseable {

    /** One chunk of a parallel job. {@code worker} is in {@code [0, size())} and identifies per-thread scratch. */
    @FunctionalInterface
    public interface Task {
        void run(int worker, int chunk);
    }

    /**
     * How long a thread busy-waits before parking. A decode step issues ~170 short jobs with a little
     * single-threaded work between them; a parked worker takes tens of microseconds to wake, which
     * would be paid on every job. Measured in time, not rounds: a pause instruction lasts from 10 to
     * 150 cycles depending on the CPU.
     */
    private static final long SPIN_NANOS = 200_000;

    private final int size;
    private final Thread[] workers;
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * High 32 bits: job generation; low 32 bits: next chunk to hand out. Claiming is a CAS, so a worker
     * can never take a chunk of a job other than the one it saw. Between two jobs an odd generation
     * with no chunks to give marks the gap while the caller rewrites {@link #task} and {@link #chunks}.
     */
    private final AtomicLong ticket = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    // Written by the caller before the ticket of a new generation is published; read by workers after claiming.
    private Task task;
    private int chunks;
    private volatile Thread caller;
    private volatile Throwable failure;
    private volatile boolean closed;

    /** Starts {@code threads - 1} worker threads; {@code threads} must be at least 1. */
    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("worker pool needs at least 1 thread, got " + threads);
        this.size = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int id = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("jrwkv-worker-" + id).unstarted(() -> workLoop(id));
            workers[i].start();
        }
    }

    /** Number of threads that work on a job, the caller included. */
    public int size() {
        return size;
    }

    /**
     * Runs {@code task} for every chunk in {@code [0, chunks)} and returns when all are done. A single
     * chunk runs on the calling thread alone. The first exception thrown by a chunk is rethrown here.
     */
    public void run(int chunks, Task task) {
        if (chunks < 0) throw new IllegalArgumentException("negative chunk count " + chunks);
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("worker pool is closed");
            if (chunks == 0) return;
            if (chunks == 1 || size == 1) {
                for (int c = 0; c < chunks; c++) task.run(0, c);
                return;
            }
            int generation = (int) (ticket.get() >>> 32) + 2;
            // Close the previous job before touching task and chunks: a worker still looking at it
            // (it read the old ticket) would otherwise claim a chunk of this job under the old ticket.
            ticket.getAndSet(((long) (generation - 1) << 32) | Integer.MAX_VALUE);
            this.task = task;
            this.chunks = chunks;
            this.failure = null;
            this.caller = Thread.currentThread();
            done.set(0);
            ticket.set((long) generation << 32); // publishes task and chunks to the workers
            for (Thread w : workers) LockSupport.unpark(w);
            work(0, generation);
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (done.get() < chunks) {
                if (System.nanoTime() < spinUntil) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            this.task = null;
            Throwable t = failure;
            if (t != null) {
                failure = null;
                if (t instanceof RuntimeException r) throw r;
                if (t instanceof Error e) throw e;
                throw new IllegalStateException("parallel task failed", t);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Claims and runs chunks of job {@code generation} until none are left. */
    private void work(int worker, int generation) {
        while (true) {
            long t = ticket.get();
            if ((int) (t >>> 32) != generation) return;
            int c = (int) t;
            // chunks was read before the CAS: if the CAS succeeds, the job had not been closed yet, so chunks and task are this job's
            if (c >= chunks) return;
            if (!ticket.compareAndSet(t, t + 1)) continue;
            try {
                task.run(worker, c);
            } catch (Throwable e) {
                if (failure == null) failure = e;
            } finally {
                if (done.incrementAndGet() == chunks) LockSupport.unpark(caller);
            }
        }
    }

    private void workLoop(int id) {
        int seen = 0;
        while (true) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            int generation;
            while ((generation = (int) (ticket.get() >>> 32)) == seen && !closed) {
                if (System.nanoTime() < spinUntil) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = generation;
            work(id, generation);
        }
    }

    /** True once {@link #close()} has returned: every worker thread has ended. */
    public boolean isTerminated() {
        for (Thread w : workers) if (w.isAlive()) return false;
        return closed;
    }

    /** Stops the worker threads (after the running job, if any) and waits for them to end. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
        } finally {
            lock.unlock();
        }
        for (Thread w : workers) LockSupport.unpark(w);
        boolean interrupted = false;
        for (Thread w : workers) {
            while (w.isAlive()) {
                try {
                    w.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
