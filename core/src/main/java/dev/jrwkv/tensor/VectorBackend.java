package dev.jrwkv.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import dev.jrwkv.tensor.vector.LaneSums;

/**
 * Kernels on the JDK Vector API ({@link FloatVector#SPECIES_PREFERRED}: AVX-512, AVX2, NEON, ...),
 * spread over a {@link WorkerPool}. Weights are read straight from the tensor's memory and decoded
 * in registers; results equal {@link ScalarBackend}'s up to float summation order.
 *
 * <p>One token (decode) streams every weight row once, rows split across the threads. Several
 * tokens (prefill) decode a tile of rows into per-thread scratch and apply it to a block of tokens
 * at a time, so each decoded weight is used many times while it is in cache.
 *
 * <pre>{@code
 * try (VectorBackend backend = new VectorBackend(4)) {
 *     backend.matvec(weight, x, y); // y = weight * x
 * }
 * }</pre>
 *
 * Calls are thread safe; parallel kernels from several threads run one after another.
 */
public final class VectorBackend implements Backend, AutoCloseable {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int L = F.length();
    /** Halves with as many lanes as {@link #F}; always a valid shape (L >= 4). */
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    /** Bytes with as many lanes as {@link #F}, or null where that shape does not exist (fewer than 8 lanes). */
    private static final VectorSpecies<Byte> B = L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
    /** The in-register block decoders need 8 or 16 lanes (a block is 32 values, 16 bytes of nibbles). */
    private static final boolean BLOCK_KERNELS = L == 8 || L == 16;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Below this many multiply-adds a job runs on the caller: waking workers costs more. */
    private static final long PARALLEL_MIN_WORK = 1 << 15;
    /** A decode chunk's row count is a multiple of this (prefill chunks: of {@link TiledMatmul#PANEL_ROWS}). */
    private static final int TILE_ROWS = 4;
    /** F32 rows this short go four at a time ({@link #dot4NarrowF32}). */
    private static final int NARROW_COLS = 128;
    /** Quantized rows without a fused dot product are decoded this many values at a time (fits L1). */
    private static final int DECODE_CHUNK = 512;

    private final WorkerPool pool;
    private final boolean ownsPool;
    private final Matmul job = new Matmul();
    private final TiledMatmul gemm;
    /** Per-worker scratch (index = worker id); each slot is touched only by its worker. */
    private final float[][] scratch;

    /** A backend with one thread per available processor. */
    public VectorBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** A backend with its own pool of {@code threads} threads (the caller counts as one), stopped by {@link #close()}. */
    public VectorBackend(int threads) {
        this(new WorkerPool(threads), true);
    }

    /** A backend on a pool owned by someone else; {@link #close()} leaves the pool running. */
    public VectorBackend(WorkerPool pool) {
        this(pool, false);
    }

    private VectorBackend(WorkerPool pool, boolean ownsPool) {
        this.pool = pool;
        this.ownsPool = ownsPool;
        this.scratch = new float[pool.size()][];
        this.gemm = new TiledMatmul(pool.size());
    }

    /** Lanes of the float vectors the kernels use (16 with AVX-512, 8 with AVX2). */
    public static int vectorLength() {
        return L;
    }

    // ---------------------------------------------------------------- matmul

    @Override
    public void matmul(Tensor w, float[] x, float[] y, int tokens) {
        synchronized (job) {
            try {
                job.start(tokens);
                job.add(w, x, y);
                job.runOn(pool);
            } finally {
                job.clear();
            }
        }
    }

    /**
     * All products in one parallel job: the threads go from one matrix's rows to the next without
     * waiting for each other in between. Decode reads several small matrices per layer (0.1B: 1.2 MB
     * projections, 0.1-0.4 MB LoRA factors); one barrier per matrix left a thread idle at the end of
     * each and restarted the memory streams every few microseconds.
     */
    @Override
    public void matmuls(Tensor[] w, float[][] x, float[][] y, int tokens) {
        if (w.length != x.length || w.length != y.length) {
            throw new IllegalArgumentException(w.length + " matrices, " + x.length + " inputs and " + y.length + " outputs");
        }
        synchronized (job) {
            try {
                job.start(tokens);
                for (int i = 0; i < w.length; i++) job.add(w[i], x[i], y[i]);
                job.runOn(pool);
            } finally {
                job.clear();
            }
        }
    }

    /** The products of the running job and how their rows are split into chunks: reused so that a call allocates nothing. */
    private final class Matmul implements WorkerPool.Task {
        private Tensor[] w = new Tensor[8];
        private float[][] x = new float[8][];
        private float[][] y = new float[8][];
        private int[] out = new int[8];
        private int[] in = new int[8];
        private int[] rowsPerChunk = new int[8];
        /** Chunks of products {@code [0, i)}: product i owns chunks {@code [firstChunk[i], firstChunk[i + 1])}. */
        private int[] firstChunk = new int[9];
        private int count;
        private int tokens;
        private long work;

        void clear() {
            Arrays.fill(w, 0, count, null);
            Arrays.fill(x, 0, count, null);
            Arrays.fill(y, 0, count, null);
            count = 0;
            work = 0;
        }

        /** A new job of products over {@code tokens} rows each. */
        void start(int tokens) {
            if (tokens < 0) throw new IllegalArgumentException("negative token count " + tokens);
            this.tokens = tokens;
        }

        void add(Tensor w, float[] x, float[] y) {
            long rows = w.rows();
            long cols = w.cols();
            if (rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(w + ": too large for a matmul");
            }
            if (tokens * cols > x.length) {
                throw new IllegalArgumentException(w + ": input has " + x.length + " floats, " + tokens + " x " + cols + " needed");
            }
            if (tokens * rows > y.length) {
                throw new IllegalArgumentException(w + ": output has " + y.length + " floats, " + tokens + " x " + rows + " needed");
            }
            if (count == this.w.length) grow();
            this.w[count] = w;
            this.x[count] = x;
            this.y[count] = y;
            this.out[count] = (int) rows;
            this.in[count] = (int) cols;
            work += rows * cols * tokens;
            count++;
        }

        private void grow() {
            int n = 2 * w.length;
            w = Arrays.copyOf(w, n);
            x = Arrays.copyOf(x, n);
            y = Arrays.copyOf(y, n);
            out = Arrays.copyOf(out, n);
            in = Arrays.copyOf(in, n);
            rowsPerChunk = Arrays.copyOf(rowsPerChunk, n);
            firstChunk = Arrays.copyOf(firstChunk, n + 1);
        }

        /** Splits every product's rows into chunks (several per thread, so that a thread slowed by the OS does not hold everyone up) and runs them. */
        void runOn(WorkerPool pool) {
            if (tokens == 0) return;
            int threads = work < PARALLEL_MIN_WORK ? 1 : pool.size();
            int tileRows = tokens == 1 ? TILE_ROWS : TiledMatmul.PANEL_ROWS;
            int chunks = 0;
            for (int i = 0; i < count; i++) {
                firstChunk[i] = chunks;
                int rows = Math.max(tileRows, ceilDiv(out[i], threads * 4));
                rows = ceilDiv(rows, tileRows) * tileRows;
                if (threads == 1 || rows >= out[i]) rows = Math.max(out[i], 1);
                rowsPerChunk[i] = rows;
                chunks += out[i] == 0 ? 0 : ceilDiv(out[i], rows);
            }
            firstChunk[count] = chunks;
            if (threads == 1) {
                for (int c = 0; c < chunks; c++) run(0, c);
            } else {
                pool.run(chunks, this);
            }
        }

        @Override
        public void run(int worker, int chunk) {
            int i = 0;
            while (chunk >= firstChunk[i + 1]) i++;
            int from = (chunk - firstChunk[i]) * rowsPerChunk[i];
            int to = Math.min(out[i], from + rowsPerChunk[i]);
            if (tokens == 1) matvecRows(worker, w[i], x[i], y[i], in[i], from, to);
            else gemm.multiply(worker, w[i], x[i], y[i], tokens, out[i], in[i], from, to);
        }
    }

    /** Decode: {@code y[o] = W[o] . x} for rows {@code [from, to)}, each row streamed once. */
    private void matvecRows(int worker, Tensor w, float[] x, float[] y, int in, int from, int to) {
        MemorySegment seg = w.data();
        DType type = w.type();
        long rowBytes = type.byteSize(in);
        switch (type) {
            case F32 -> {
                int o = from;
                if (in <= NARROW_COLS) {
                    for (; o + 4 <= to; o += 4) dot4NarrowF32(seg, o * rowBytes, rowBytes, x, in, y, o);
                }
                for (; o < to; o++) y[o] = dotF32(seg, o * rowBytes, x, 0, in);
            }
            case F16 -> {
                if (halvesFinite(w)) {
                    for (int o = from; o < to; o++) y[o] = dotFiniteF16(seg, o * rowBytes, x, 0, in);
                } else {
                    for (int o = from; o < to; o++) y[o] = dotF16(seg, o * rowBytes, x, 0, in);
                }
            }
            case BF16 -> {
                for (int o = from; o < to; o++) y[o] = dotBF16(seg, o * rowBytes, x, 0, in);
            }
            default -> {
                if (!BLOCK_KERNELS) {
                    decodeAndDot(worker, type, seg, rowBytes, x, y, in, from, to);
                    return;
                }
                switch (type) {
                    case Q8_0 -> {
                        for (int o = from; o < to; o++) y[o] = dotQ8_0(seg, o * rowBytes, x, 0, in);
                    }
                    case Q4_0 -> {
                        for (int o = from; o < to; o++) y[o] = dotQ4_0(seg, o * rowBytes, x, 0, in);
                    }
                    case Q4_1 -> {
                        for (int o = from; o < to; o++) y[o] = dotQ4_1(seg, o * rowBytes, x, 0, in);
                    }
                    case Q5_0 -> {
                        for (int o = from; o < to; o++) y[o] = dotQ5_0(seg, o * rowBytes, x, 0, in);
                    }
                    case Q5_1 -> {
                        for (int o = from; o < to; o++) y[o] = dotQ5_1(seg, o * rowBytes, x, 0, in);
                    }
                    default -> decodeAndDot(worker, type, seg, rowBytes, x, y, in, from, to);
                }
            }
        }
    }

    /** Decode where the block kernels do not fit the vector length: decode {@link #DECODE_CHUNK} values at a time into L1 scratch. */
    private void decodeAndDot(int worker, DType type, MemorySegment seg, long rowBytes, float[] x, float[] y, int in, int from, int to) {
        float[] buf = scratch(worker, Math.min(in, DECODE_CHUNK));
        long chunkBytes = type.byteSize(DECODE_CHUNK);
        for (int o = from; o < to; o++) {
            long off = o * rowBytes;
            float sum = 0f;
            for (int i = 0; i < in; i += DECODE_CHUNK, off += chunkBytes) {
                int n = Math.min(DECODE_CHUNK, in - i);
                decode(type, seg, off, n, buf);
                sum += dot(buf, 0, x, i, n);
            }
            y[o] = sum;
        }
    }

    private float[] scratch(int worker, int size) {
        float[] s = scratch[worker];
        if (s == null || s.length < size) {
            s = new float[Math.max(size, DECODE_CHUNK)];
            scratch[worker] = s;
        }
        return s;
    }

    // ---------------------------------------------------------------- fused dot products (decode)

    /**
     * The lanes of {@code v} added in lane order. {@code reduceLanes(ADD)} may add float lanes in any
     * order, and the interpreter and compiled code do it differently: the same call then gave results
     * one ulp apart from run to run, which broke reproducible generation. A fixed order costs a few
     * extracts per row.
     */
    private static float sum(FloatVector v) {
        // halves added lane-wise (512 -> 256 -> 128 bits: one extract and one add each), then 4 lanes in order
        if (L == 16) {
            v = ((FloatVector) v.reinterpretShape(FloatVector.SPECIES_256, 0)).add((FloatVector) v.reinterpretShape(FloatVector.SPECIES_256, 1));
        }
        if (L >= 8) {
            v = ((FloatVector) v.reinterpretShape(FloatVector.SPECIES_128, 0)).add((FloatVector) v.reinterpretShape(FloatVector.SPECIES_128, 1));
        }
        if (v.length() == 4) return (v.lane(0) + v.lane(1)) + (v.lane(2) + v.lane(3));
        float s = 0f;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }

    private static float dotF32(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (int up = n - 4 * L; i <= up; i += 4 * L) {
            long o = off + 4L * i;
            a0 = FloatVector.fromMemorySegment(F, w, o, LE).fma(FloatVector.fromArray(F, x, xo + i), a0);
            a1 = FloatVector.fromMemorySegment(F, w, o + 4L * L, LE).fma(FloatVector.fromArray(F, x, xo + i + L), a1);
            a2 = FloatVector.fromMemorySegment(F, w, o + 8L * L, LE).fma(FloatVector.fromArray(F, x, xo + i + 2 * L), a2);
            a3 = FloatVector.fromMemorySegment(F, w, o + 12L * L, LE).fma(FloatVector.fromArray(F, x, xo + i + 3 * L), a3);
        }
        for (int up = n - L; i <= up; i += L) {
            a0 = FloatVector.fromMemorySegment(F, w, off + 4L * i, LE).fma(FloatVector.fromArray(F, x, xo + i), a0);
        }
        float sum = sum(a0.add(a1).add(a2.add(a3)));
        for (; i < n; i++) sum += w.get(LittleEndian.FLOAT, off + 4L * i) * x[xo + i];
        return sum;
    }

    /**
     * Four adjacent rows of at most {@link #NARROW_COLS} floats (the LoRA factors that expand a rank of
     * 32-128 to the model width): one accumulator per row and one joint lane sum for the four, where
     * one row at a time spent more on its lane sum and loop set-up than on its few FMAs.
     */
    private static void dot4NarrowF32(MemorySegment w, long off, long rowBytes, float[] x, int n, float[] y, int o) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long o1 = off + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
        int i = 0;
        for (int up = n - L; i <= up; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, i);
            long d = 4L * i;
            a0 = FloatVector.fromMemorySegment(F, w, off + d, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, w, o1 + d, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, w, o2 + d, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, w, o3 + d, LE).fma(xv, a3);
        }
        FloatVector s = LaneSums.sum4(a0, a1, a2, a3);
        float s0 = s.lane(0), s1 = s.lane(LaneSums.SECOND), s2 = s.lane(LaneSums.THIRD), s3 = s.lane(LaneSums.FOURTH);
        for (; i < n; i++) {
            long d = 4L * i;
            s0 += w.get(LittleEndian.FLOAT, off + d) * x[i];
            s1 += w.get(LittleEndian.FLOAT, o1 + d) * x[i];
            s2 += w.get(LittleEndian.FLOAT, o2 + d) * x[i];
            s3 += w.get(LittleEndian.FLOAT, o3 + d) * x[i];
        }
        y[o] = s0;
        y[o + 1] = s1;
        y[o + 2] = s2;
        y[o + 3] = s3;
    }

    private static float dotF16(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int i = 0;
        for (int up = n - 2 * L; i <= up; i += 2 * L) {
            long o = off + 2L * i;
            a0 = halves(w, o).fma(FloatVector.fromArray(F, x, xo + i), a0);
            a1 = halves(w, o + 2L * L).fma(FloatVector.fromArray(F, x, xo + i + L), a1);
        }
        for (int up = n - L; i <= up; i += L) a0 = halves(w, off + 2L * i).fma(FloatVector.fromArray(F, x, xo + i), a0);
        float sum = sum(a0.add(a1));
        for (; i < n; i++) sum += Float.float16ToFloat(w.get(LittleEndian.SHORT, off + 2L * i)) * x[xo + i];
        return sum;
    }

    /** {@link #dotF16} for a tensor known to hold no inf or NaN: a cheaper, still exact, conversion. */
    private static float dotFiniteF16(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int i = 0;
        for (int up = n - 2 * L; i <= up; i += 2 * L) {
            long o = off + 2L * i;
            a0 = finiteHalves(w, o).fma(FloatVector.fromArray(F, x, xo + i), a0);
            a1 = finiteHalves(w, o + 2L * L).fma(FloatVector.fromArray(F, x, xo + i + L), a1);
        }
        for (int up = n - L; i <= up; i += L) a0 = finiteHalves(w, off + 2L * i).fma(FloatVector.fromArray(F, x, xo + i), a0);
        float sum = sum(a0.add(a1));
        for (; i < n; i++) sum += Float.float16ToFloat(w.get(LittleEndian.SHORT, off + 2L * i)) * x[xo + i];
        return sum;
    }

    private static float dotBF16(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int i = 0;
        for (int up = n - 2 * L; i <= up; i += 2 * L) {
            long o = off + 2L * i;
            a0 = bfloats(w, o).fma(FloatVector.fromArray(F, x, xo + i), a0);
            a1 = bfloats(w, o + 2L * L).fma(FloatVector.fromArray(F, x, xo + i + L), a1);
        }
        for (int up = n - L; i <= up; i += L) a0 = bfloats(w, off + 2L * i).fma(FloatVector.fromArray(F, x, xo + i), a0);
        float sum = sum(a0.add(a1));
        for (; i < n; i++) sum += Float.intBitsToFloat(w.get(LittleEndian.SHORT, off + 2L * i) << 16) * x[xo + i];
        return sum;
    }

    /** Q8_0: per block, sum q*x in registers, then scale once by d. Needs {@link #BLOCK_KERNELS}. */
    private static float dotQ8_0(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int blocks = n / Q8_0Block.SIZE;
        int b = 0;
        // two blocks per round: two independent accumulator chains
        for (; b + 1 < blocks; b += 2, off += 2 * Q8_0Block.BYTES) {
            int i = xo + b * Q8_0Block.SIZE;
            acc0 = q8Block(w, off, x, i).fma(FloatVector.broadcast(F, half(w, off)), acc0);
            long off1 = off + Q8_0Block.BYTES;
            acc1 = q8Block(w, off1, x, i + Q8_0Block.SIZE).fma(FloatVector.broadcast(F, half(w, off1)), acc1);
        }
        if (b < blocks) acc0 = q8Block(w, off, x, xo + b * Q8_0Block.SIZE).fma(FloatVector.broadcast(F, half(w, off)), acc0);
        return sum(acc0.add(acc1));
    }

    /** Lane-wise partial sums of q*x over one Q8_0 block (unscaled). */
    private static FloatVector q8Block(MemorySegment w, long off, float[] x, int xi) {
        FloatVector s = FloatVector.zero(F);
        for (int k = 0; k < Q8_0Block.SIZE; k += L) {
            s = bytesToFloats(ByteVector.fromMemorySegment(B, w, off + 2 + k, LE)).fma(FloatVector.fromArray(F, x, xi + k), s);
        }
        return s;
    }

    /*
     * The 4- and 5-bit types, decoded in registers. A block's 16 bytes of nibbles give values j (low
     * nibbles) and j + 16 (high nibbles); the 5-bit types add bit j of qh as bit 4. The _0 types sum
     * q*x per block and scale by d once (exact per product: |q| < 32 and d has 11 significant bits);
     * the _1 types form w = q*d + m with one FMA, the same float as the scalar decoder's since q*d is exact.
     */

    private static float dotQ4_0(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, blocks = n / 32; b < blocks; b++, off += Q4_0Block.BYTES) {
            int xi = xo + 32 * b;
            FloatVector s = FloatVector.zero(F);
            for (int k = 0; k < 16; k += L) {
                IntVector q = bytesToInts(w, off + 2 + k);
                s = intsToFloats(q.and(0x0F).sub(8)).fma(FloatVector.fromArray(F, x, xi + k), s);
                s = intsToFloats(q.lanewise(VectorOperators.LSHR, 4).sub(8)).fma(FloatVector.fromArray(F, x, xi + 16 + k), s);
            }
            acc = s.fma(FloatVector.broadcast(F, half(w, off)), acc);
        }
        return sum(acc);
    }

    private static float dotQ4_1(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0, blocks = n / 32; b < blocks; b++, off += Q4_1Block.BYTES) {
            int xi = xo + 32 * b;
            FloatVector d = FloatVector.broadcast(F, half(w, off));
            FloatVector m = FloatVector.broadcast(F, half(w, off + 2));
            for (int k = 0; k < 16; k += L) {
                IntVector q = bytesToInts(w, off + 4 + k);
                acc0 = intsToFloats(q.and(0x0F)).fma(d, m).fma(FloatVector.fromArray(F, x, xi + k), acc0);
                acc1 = intsToFloats(q.lanewise(VectorOperators.LSHR, 4)).fma(d, m).fma(FloatVector.fromArray(F, x, xi + 16 + k), acc1);
            }
        }
        return sum(acc0.add(acc1));
    }

    private static float dotQ5_0(MemorySegment w, long off, float[] x, int xo, int n) {
        IntVector toTop = IntVector.broadcast(I, 31).sub(IntVector.zero(I).addIndex(1)); // shift moving bit lane to bit 31
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, blocks = n / 32; b < blocks; b++, off += Q5_0Block.BYTES) {
            int xi = xo + 32 * b;
            IntVector qh = IntVector.broadcast(I, w.get(LittleEndian.INT, off + 2));
            FloatVector s = FloatVector.zero(F);
            for (int k = 0; k < 16; k += L) {
                IntVector q = bytesToInts(w, off + 6 + k);
                IntVector lo = q.and(0x0F).or(fifthBit(qh, toTop.sub(k)));
                IntVector hi = q.lanewise(VectorOperators.LSHR, 4).or(fifthBit(qh, toTop.sub(16 + k)));
                s = intsToFloats(lo.sub(16)).fma(FloatVector.fromArray(F, x, xi + k), s);
                s = intsToFloats(hi.sub(16)).fma(FloatVector.fromArray(F, x, xi + 16 + k), s);
            }
            acc = s.fma(FloatVector.broadcast(F, half(w, off)), acc);
        }
        return sum(acc);
    }

    private static float dotQ5_1(MemorySegment w, long off, float[] x, int xo, int n) {
        IntVector toTop = IntVector.broadcast(I, 31).sub(IntVector.zero(I).addIndex(1));
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0, blocks = n / 32; b < blocks; b++, off += Q5_1Block.BYTES) {
            int xi = xo + 32 * b;
            FloatVector d = FloatVector.broadcast(F, half(w, off));
            FloatVector m = FloatVector.broadcast(F, half(w, off + 2));
            IntVector qh = IntVector.broadcast(I, w.get(LittleEndian.INT, off + 4));
            for (int k = 0; k < 16; k += L) {
                IntVector q = bytesToInts(w, off + 8 + k);
                IntVector lo = q.and(0x0F).or(fifthBit(qh, toTop.sub(k)));
                IntVector hi = q.lanewise(VectorOperators.LSHR, 4).or(fifthBit(qh, toTop.sub(16 + k)));
                acc0 = intsToFloats(lo).fma(d, m).fma(FloatVector.fromArray(F, x, xi + k), acc0);
                acc1 = intsToFloats(hi).fma(d, m).fma(FloatVector.fromArray(F, x, xi + 16 + k), acc1);
            }
        }
        return sum(acc0.add(acc1));
    }

    /** Bit 4 of a 5-bit quant: the qh bit that {@code toTop} shifts to bit 31, brought down to bit 4. */
    private static IntVector fifthBit(IntVector qh, IntVector toTop) {
        return qh.lanewise(VectorOperators.LSHL, toTop).lanewise(VectorOperators.LSHR, 27).and(0x10);
    }

    /** L unsigned bytes at {@code off} as ints. */
    private static IntVector bytesToInts(MemorySegment w, long off) {
        return (IntVector) ByteVector.fromMemorySegment(B, w, off, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
    }

    // ---------------------------------------------------------------- decoding rows into floats (prefill, and decode of the other types)

    /** Decodes {@code n} values (block aligned) starting at byte {@code off} into {@code dst[d0 ..]}. Bit-identical to {@link Tensor#dequantize}. */
    static void decode(DType type, MemorySegment w, long off, int n, float[] dst, int d0) {
        switch (type) {
            case F32 -> MemorySegment.copy(w, LittleEndian.FLOAT, off, dst, d0, n);
            case F16 -> {
                int i = 0;
                for (int up = n - L; i <= up; i += L) halves(w, off + 2L * i).intoArray(dst, d0 + i);
                for (; i < n; i++) dst[d0 + i] = Float.float16ToFloat(w.get(LittleEndian.SHORT, off + 2L * i));
            }
            case BF16 -> {
                int i = 0;
                for (int up = n - L; i <= up; i += L) bfloats(w, off + 2L * i).intoArray(dst, d0 + i);
                for (; i < n; i++) dst[d0 + i] = Float.intBitsToFloat(w.get(LittleEndian.SHORT, off + 2L * i) << 16);
            }
            default -> decodeBlocks(type, w, off, n / type.blockSize(), dst, d0);
        }
    }

    /** {@link #decode} of F16 values from a tensor that {@link #halvesFinite}: the cheaper exact conversion. */
    static void decodeFiniteHalves(MemorySegment w, long off, int n, float[] dst, int d0) {
        int i = 0;
        for (int up = n - L; i <= up; i += L) finiteHalves(w, off + 2L * i).intoArray(dst, d0 + i);
        for (; i < n; i++) dst[d0 + i] = Float.float16ToFloat(w.get(LittleEndian.SHORT, off + 2L * i));
    }

    /** Row {@code row} of {@code w} through the vector decoders; tests hold it bit-identical to {@link Tensor#dequantizeRow}. */
    static void decodeRow(Tensor w, long row, float[] out) {
        int in = Math.toIntExact(w.cols());
        decode(w.type(), w.data(), row * w.type().byteSize(in), in, out, 0);
    }

    private static void decode(DType type, MemorySegment w, long off, int n, float[] dst) {
        decode(type, w, off, n, dst, 0);
    }

    private static void decodeBlocks(DType type, MemorySegment w, long off, int blocks, float[] dst, int d0) {
        int bytes = type.blockBytes();
        if (!BLOCK_KERNELS || type.blockSize() != 32) {     // K-quants, or a vector length the kernels do not fit
            Tensor.dequantizeBlocks(type, w, off, blocks, dst, d0);
            return;
        }
        switch (type) {
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++, off += bytes, d0 += 32) {
                    FloatVector d = FloatVector.broadcast(F, half(w, off));
                    for (int k = 0; k < 32; k += L) {
                        bytesToFloats(ByteVector.fromMemorySegment(B, w, off + 2 + k, LE)).mul(d).intoArray(dst, d0 + k);
                    }
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++, off += bytes, d0 += 32) {
                    FloatVector d = FloatVector.broadcast(F, half(w, off));
                    for (int k = 0; k < 16; k += L) {
                        ByteVector q = ByteVector.fromMemorySegment(B, w, off + 2 + k, LE);
                        // (q - 8) * d, exactly as the scalar decoder rounds it
                        intsToFloats(nibblesToInts(q, false).sub(8)).mul(d).intoArray(dst, d0 + k);
                        intsToFloats(nibblesToInts(q, true).sub(8)).mul(d).intoArray(dst, d0 + 16 + k);
                    }
                }
            }
            case Q4_1 -> {
                for (int b = 0; b < blocks; b++, off += bytes, d0 += 32) {
                    FloatVector d = FloatVector.broadcast(F, half(w, off));
                    FloatVector m = FloatVector.broadcast(F, half(w, off + 2));
                    for (int k = 0; k < 16; k += L) {
                        ByteVector q = ByteVector.fromMemorySegment(B, w, off + 4 + k, LE);
                        // q * d + m as two roundings (no fma), like the scalar decoder
                        intsToFloats(nibblesToInts(q, false)).mul(d).add(m).intoArray(dst, d0 + k);
                        intsToFloats(nibblesToInts(q, true)).mul(d).add(m).intoArray(dst, d0 + 16 + k);
                    }
                }
            }
            case Q5_0 -> {
                IntVector toTop = IntVector.broadcast(I, 31).sub(IntVector.zero(I).addIndex(1));
                for (int b = 0; b < blocks; b++, off += bytes, d0 += 32) {
                    FloatVector d = FloatVector.broadcast(F, half(w, off));
                    IntVector qh = IntVector.broadcast(I, w.get(LittleEndian.INT, off + 2));
                    for (int k = 0; k < 16; k += L) {
                        ByteVector q = ByteVector.fromMemorySegment(B, w, off + 6 + k, LE);
                        IntVector lo = nibblesToInts(q, false).or(fifthBit(qh, toTop.sub(k)));
                        IntVector hi = nibblesToInts(q, true).or(fifthBit(qh, toTop.sub(16 + k)));
                        intsToFloats(lo.sub(16)).mul(d).intoArray(dst, d0 + k);
                        intsToFloats(hi.sub(16)).mul(d).intoArray(dst, d0 + 16 + k);
                    }
                }
            }
            case Q5_1 -> {
                IntVector toTop = IntVector.broadcast(I, 31).sub(IntVector.zero(I).addIndex(1));
                for (int b = 0; b < blocks; b++, off += bytes, d0 += 32) {
                    FloatVector d = FloatVector.broadcast(F, half(w, off));
                    FloatVector m = FloatVector.broadcast(F, half(w, off + 2));
                    IntVector qh = IntVector.broadcast(I, w.get(LittleEndian.INT, off + 4));
                    for (int k = 0; k < 16; k += L) {
                        ByteVector q = ByteVector.fromMemorySegment(B, w, off + 8 + k, LE);
                        IntVector lo = nibblesToInts(q, false).or(fifthBit(qh, toTop.sub(k)));
                        IntVector hi = nibblesToInts(q, true).or(fifthBit(qh, toTop.sub(16 + k)));
                        intsToFloats(lo).mul(d).add(m).intoArray(dst, d0 + k);
                        intsToFloats(hi).mul(d).add(m).intoArray(dst, d0 + 16 + k);
                    }
                }
            }
            default -> throw new IllegalStateException("no decoder for " + type);
        }
    }

    // ---------------------------------------------------------------- register-level conversions

    private static float half(MemorySegment w, long off) {
        return Float.float16ToFloat(w.get(LittleEndian.SHORT, off));
    }

    /** L IEEE half floats at byte {@code off}, widened exactly (zero, subnormal, inf and NaN included). */
    private static FloatVector halves(MemorySegment w, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(H, w, off, LE).convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
        IntVector e = h.and(0x7c00);
        IntVector u = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).add(0x38000000); // rebias exponent: 15 -> 127
        u = u.add(0x38000000, e.compare(VectorOperators.EQ, 0x7c00)); // inf/NaN: exponent all ones
        // subnormal or zero: 2^-14 * (1 + m/1024) - 2^-14 = m * 2^-24, exact and without subnormal arithmetic
        VectorMask<Integer> small = e.compare(VectorOperators.EQ, 0);
        FloatVector f = u.add(0x00800000, small).reinterpretAsFloats().sub(0x1p-14f, small.cast(F));
        return f.reinterpretAsInts().or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /**
     * L finite half floats at byte {@code off}, widened exactly in three operations: the 15 bits of
     * exponent and mantissa moved to the top of a float's, read as a float 2^-112 times the value
     * (subnormal halves land on subnormal floats, exactly), then scaled by 2^112; the sign comes along
     * from the sign extension. Inf and NaN would come out as finite numbers, hence {@link #halvesFinite}.
     */
    private static FloatVector finiteHalves(MemorySegment w, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(H, w, off, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
    }

    /** True when F16 tensor {@code w} holds no inf or NaN; scanned once per tensor, then cached in it. */
    static boolean halvesFinite(Tensor w) {
        int known = w.halvesFinite();
        if (known != 0) return known == 1;
        boolean finite = noInfOrNaN(w.data());
        w.halvesFinite(finite);
        return finite;
    }

    /**
     * Plain long arithmetic on an array rather than vectors or segment accessors: it runs once per
     * tensor on the first token, before the JIT has compiled much, and interpreted Vector API or
     * VarHandle code is very slow. Four halves per long; a half is inf or NaN when its exponent bits are all ones.
     */
    private static boolean noInfOrNaN(MemorySegment seg) {
        final long exponents = 0x7c007c007c007c00L, low = 0x0001000100010001L, high = 0x8000800080008000L;
        long[] chunk = new long[8192];                        // bulk copies, then a plain array loop that C1/C2 compile at once
        long words = seg.byteSize() / 8;
        for (long w0 = 0; w0 < words; w0 += chunk.length) {
            int n = (int) Math.min(chunk.length, words - w0);
            MemorySegment.copy(seg, LittleEndian.LONG, 8 * w0, chunk, 0, n);
            for (int i = 0; i < n; i++) {
                long v = (chunk[i] & exponents) ^ exponents;         // a lane is zero where the exponent is all ones
                if (((v - low) & ~v & high) != 0) return false;      // some 16-bit lane is zero
            }
        }
        for (long off = 8 * words; off < seg.byteSize(); off += 2) {
            if ((seg.get(LittleEndian.SHORT, off) & 0x7c00) == 0x7c00) return false;
        }
        return true;
    }

    /** L bfloat16 values at byte {@code off}: the high half of a float. */
    private static FloatVector bfloats(MemorySegment w, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(H, w, off, LE).convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector bytesToFloats(ByteVector q) {
        return (FloatVector) q.convertShape(VectorOperators.B2F, F, 0);
    }

    /** The low (or high) nibbles of L bytes as ints 0..15. */
    private static IntVector nibblesToInts(ByteVector q, boolean high) {
        IntVector v = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        return high ? v.lanewise(VectorOperators.LSHR, 4) : v.and(0x0F);
    }

    private static FloatVector intsToFloats(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    // ---------------------------------------------------------------- dot products on decoded floats

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0;
        int i = 0;
        for (int up = n - 2 * L; i <= up; i += 2 * L) {
            s0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), s0);
            s1 = FloatVector.fromArray(F, a, ao + i + L).fma(FloatVector.fromArray(F, b, bo + i + L), s1);
        }
        for (int up = n - L; i <= up; i += L) s0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), s0);
        float sum = sum(s0.add(s1));
        for (; i < n; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    // ---------------------------------------------------------------- norms

    @Override
    public void layerNorm(float[] x, float[] out, int tokens, float[] weight, float[] bias, float eps) {
        int c = weight.length;
        checkNorm(x, out, tokens, c, weight, bias, 1);
        for (int t = 0; t < tokens; t++) normalize(x, out, t * c, c, weight, bias, 0, eps);
    }

    @Override
    public void groupNorm(float[] x, float[] out, int tokens, int groups, float[] weight, float[] bias, float eps) {
        int c = weight.length;
        checkNorm(x, out, tokens, c, weight, bias, groups);
        int n = c / groups;
        for (int t = 0; t < tokens; t++) {
            for (int g = 0; g < groups; g++) normalize(x, out, t * c + g * n, n, weight, bias, g * n, eps);
        }
    }

    private static void checkNorm(float[] x, float[] out, int tokens, int c, float[] weight, float[] bias, int groups) {
        if (groups < 1 || c % groups != 0) throw new IllegalArgumentException(c + " channels do not split into " + groups + " groups");
        if (bias.length != c) throw new IllegalArgumentException("norm bias has " + bias.length + " values, weight " + c);
        if (tokens < 0 || (long) tokens * c > x.length || (long) tokens * c > out.length) {
            throw new IllegalArgumentException("norm of " + tokens + " x " + c + " values: input has " + x.length + ", output " + out.length);
        }
    }

    /** Same steps as the scalar reference (mean, variance, then ((x - mean) * inv) * w + b), summed lane-wise. */
    private static void normalize(float[] x, float[] out, int off, int n, float[] weight, float[] bias, int wOff, float eps) {
        int up = F.loopBound(n);
        FloatVector s = FloatVector.zero(F);
        int i = 0;
        for (; i < up; i += L) s = s.add(FloatVector.fromArray(F, x, off + i));
        float sum = sum(s);
        for (; i < n; i++) sum += x[off + i];
        float mean = sum / n;
        FloatVector m = FloatVector.broadcast(F, mean);
        FloatVector v = FloatVector.zero(F);
        for (i = 0; i < up; i += L) {
            FloatVector d = FloatVector.fromArray(F, x, off + i).sub(m);
            v = d.fma(d, v);
        }
        float var = sum(v);
        for (; i < n; i++) {
            float d = x[off + i] - mean;
            var += d * d;
        }
        var /= n;
        float inv = (float) (1.0 / Math.sqrt(var + eps));
        for (i = 0; i < up; i += L) {
            FloatVector y = FloatVector.fromArray(F, x, off + i).sub(m).mul(inv)
                    .mul(FloatVector.fromArray(F, weight, wOff + i)).add(FloatVector.fromArray(F, bias, wOff + i));
            y.intoArray(out, off + i);
        }
        for (; i < n; i++) out[off + i] = (x[off + i] - mean) * inv * weight[wOff + i] + bias[wOff + i];
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Stops the worker threads if this backend created them. */
    @Override
    public void close() {
        if (ownsPool) pool.close();
    }
}
