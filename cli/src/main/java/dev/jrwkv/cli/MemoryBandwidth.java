package dev.jrwkv.cli;

import dev.jrwkv.tensor.WorkerPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Memory read bandwidth as {@code threads} threads see it: the rate at which they stream a buffer far
 * larger than the caches, the same access pattern as decode (every weight read once per token). The
 * decode speed limit of a model is this rate divided by the bytes of weights one token reads.
 *
 * <pre>{@code
 * double bytesPerSecond = MemoryBandwidth.measure(2, 512L << 20, 5);
 * }</pre>
 */
final class MemoryBandwidth {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private MemoryBandwidth() {
    }

    /** Best of {@code reps} parallel reads of a {@code bytes} buffer (off-heap, freed before returning), in bytes per second. */
    static double measure(int threads, long bytes, int reps) {
        long stride = (long) F.vectorByteSize() * 4;
        // many chunks: every thread stays busy to the end, and the reader is called often enough for the JIT to compile it
        int chunks = threads * 64;
        long part = Math.max(stride, bytes / chunks / stride * stride);
        long size = part * chunks;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(threads)) {
            MemorySegment buffer = arena.allocate(size, 64);
            buffer.fill((byte) 1);                                   // touch every page before timing
            float[] sink = new float[threads];
            for (int warm = 0; warm < 200; warm++) read(buffer, 0, Math.min(size, 1 << 20), stride);  // compiled before timing
            double best = 0;
            for (int r = 0; r < reps + 1; r++) {                     // the first pass is a warm-up too
                long t = System.nanoTime();
                pool.run(chunks, (worker, chunk) -> sink[worker] += read(buffer, chunk * part, part, stride));
                double rate = size / ((System.nanoTime() - t) / 1e9);
                if (r > 0) best = Math.max(best, rate);
            }
            if (Float.isNaN(sink[0])) throw new IllegalStateException("unreachable");   // keeps the reads alive
            return best;
        }
    }

    private static float read(MemorySegment m, long from, long length, long stride) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long step = F.vectorByteSize();
        for (long o = from, end = from + length; o < end; o += stride) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, m, o, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(F, m, o + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(F, m, o + 2 * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(F, m, o + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2.add(a3)).lane(0);
    }
}
