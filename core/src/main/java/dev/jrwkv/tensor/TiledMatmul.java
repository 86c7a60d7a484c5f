package dev.jrwkv.tensor;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prefill matrix product {@code y[t][r] = sum_i W[r][i] x[t][i]} for several tokens, as a register-blocked
 * GEMM: {@link VectorBackend}'s kernel when {@code tokens > 1}.
 *
 * <p>Rows go in panels of {@link #PANEL_ROWS} (a few vectors). Per block of {@link #K_BLOCK} columns the
 * panel is decoded once ({@link VectorBackend#decode}, so every stored type, bit-identical to the scalar
 * dequantizer) and transposed, column-major, so that one vector load gives {@link #L} rows' weights of
 * one column. Each group of {@link #GROUP} tokens then runs over the block with its outputs in registers:
 * per column, one load per row vector, one broadcast per token and an FMA for each pair, no horizontal
 * sums. Partial sums wait in {@code y} between column blocks.
 *
 * <p>Each output is a single FMA chain in column order, whatever the thread count, the token grouping
 * or the JIT state, so results are reproducible.
 */
final class TiledMatmul {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /**
     * Row vectors per panel: 4 where the ISA has 32 vector registers (AVX-512, AArch64), so that
     * 4 x {@link #GROUP} accumulators, 4 weights and a broadcast fit; 2 with AVX2's 16.
     */
    private static final int ROW_VECTORS = L >= 16 || "aarch64".equals(System.getProperty("os.arch")) ? 4 : 2;
    /** Output rows per panel; a worker's rows start at a multiple of it. */
    static final int PANEL_ROWS = ROW_VECTORS * L;
    /** Tokens whose outputs stay in registers together (fixed by the kernels below). */
    private static final int GROUP = 6;
    /**
     * Columns decoded and transposed at a time: a multiple of every block size (256 for K-quants). The
     * transposed tile ({@code K_BLOCK x PANEL_ROWS} floats, 64 KB with AVX-512) stays in L1/L2 while all
     * tokens pass over it.
     */
    static final int K_BLOCK = 256;

    /** Per-worker scratch (index = worker id): decoded rows, the same values transposed, and gather indices. */
    private final float[][] rows;
    private final float[][] tiles;
    private final int[][] indices;

    TiledMatmul(int workers) {
        rows = new float[workers][];
        tiles = new float[workers][];
        indices = new int[workers][];
    }

    /** Rows {@code [from, to)} of {@code y = W x} for {@code tokens} tokens; {@code from} is a multiple of {@link #PANEL_ROWS}. */
    void multiply(int worker, Tensor w, float[] x, float[] y, int tokens, int out, int in, int from, int to) {
        if (tiles[worker] == null) {
            rows[worker] = new float[PANEL_ROWS * K_BLOCK];
            tiles[worker] = new float[PANEL_ROWS * K_BLOCK];
            indices[worker] = new int[L];
        }
        float[] row = rows[worker];
        float[] tile = tiles[worker];
        int[] index = indices[worker];
        MemorySegment seg = w.data();
        DType type = w.type();
        long rowBytes = type.byteSize(in);
        for (int r0 = from; r0 < to; r0 += PANEL_ROWS) {
            int nr = Math.min(PANEL_ROWS, to - r0);
            for (int k0 = 0; k0 < in; k0 += K_BLOCK) {
                int kb = Math.min(K_BLOCK, in - k0);
                long off = r0 * rowBytes + type.byteSize(k0);
                for (int r = 0; r < nr; r++, off += rowBytes) VectorBackend.decode(type, seg, off, kb, row, r * kb);
                transpose(row, nr, kb, tile, index);
                boolean first = k0 == 0;
                for (int t = 0; t < tokens; t += GROUP) {
                    int n = Math.min(GROUP, tokens - t); // the last group may be short: see group4
                    if (ROW_VECTORS == 4) group4(tile, kb, x, t * in + k0, in, y, t * out + r0, out, nr, n, first);
                    else group2(tile, kb, x, t * in + k0, in, y, t * out + r0, out, nr, n, first);
                }
            }
        }
    }

    /**
     * {@code tile[i][r] = row[r][i]} for {@code nr} rows of {@code kb} values, gathering one vector of
     * {@link #L} rows at a time; rows past {@code nr} are zero.
     */
    private static void transpose(float[] row, int nr, int kb, float[] tile, int[] index) {
        for (int r = 0; r < L; r++) index[r] = r * kb;
        for (int v = 0; v < ROW_VECTORS; v++) {
            int src = v * L * kb;
            int dst = v * L;
            if (nr >= (v + 1) * L) {
                for (int i = 0; i < kb; i++, dst += PANEL_ROWS) FloatVector.fromArray(F, row, src + i, index, 0).intoArray(tile, dst);
            } else {
                VectorMask<Float> m = F.indexInRange(v * L, nr);
                for (int i = 0; i < kb; i++, dst += PANEL_ROWS) FloatVector.fromArray(F, row, src + i, index, 0, m).intoArray(tile, dst);
            }
        }
    }

    /**
     * One token group over one column block, 4 row vectors x 6 tokens in registers:
     * {@code y[t][r0 ..] = (first ? 0 : y[t][r0 ..]) + tile^T x[t]} for the group's {@code n} tokens and
     * {@code nr} rows. A short group ({@code n < 6}) fills its empty slots with token {@code n - 1}: they
     * compute and store exactly that token's values again, which keeps the kernel free of branches.
     * Loads and stores are masked to the panel's rows, all lanes for a full panel. (Choosing between
     * masked and plain forms per vector instead made C2 box the accumulators: 20% slower.)
     */
    private static void group4(float[] tile, int kb, float[] x, int x0, int in, float[] y, int y0, int out,
                               int nr, int n, boolean first) {
        int last = n - 1;
        int xa = x0, ya = y0;
        int xb = x0 + Math.min(1, last) * in, yb = y0 + Math.min(1, last) * out;
        int xc = x0 + Math.min(2, last) * in, yc = y0 + Math.min(2, last) * out;
        int xd = x0 + Math.min(3, last) * in, yd = y0 + Math.min(3, last) * out;
        int xe = x0 + Math.min(4, last) * in, ye = y0 + Math.min(4, last) * out;
        int xf = x0 + Math.min(5, last) * in, yf = y0 + Math.min(5, last) * out;
        VectorMask<Float> m0 = F.indexInRange(0, nr), m1 = F.indexInRange(L, nr);
        VectorMask<Float> m2 = F.indexInRange(2 * L, nr), m3 = F.indexInRange(3 * L, nr);
        FloatVector a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, d0, d1, d2, d3, e0, e1, e2, e3, f0, f1, f2, f3;
        if (first) {
            a0 = FloatVector.zero(F);
            a1 = a0; a2 = a0; a3 = a0; b0 = a0; b1 = a0; b2 = a0; b3 = a0; c0 = a0;
            c1 = a0; c2 = a0; c3 = a0; d0 = a0; d1 = a0; d2 = a0; d3 = a0; e0 = a0;
            e1 = a0; e2 = a0; e3 = a0; f0 = a0; f1 = a0; f2 = a0; f3 = a0;
        } else {
            a0 = load(y, ya, m0); a1 = load(y, ya + L, m1); a2 = load(y, ya + 2 * L, m2); a3 = load(y, ya + 3 * L, m3);
            b0 = load(y, yb, m0); b1 = load(y, yb + L, m1); b2 = load(y, yb + 2 * L, m2); b3 = load(y, yb + 3 * L, m3);
            c0 = load(y, yc, m0); c1 = load(y, yc + L, m1); c2 = load(y, yc + 2 * L, m2); c3 = load(y, yc + 3 * L, m3);
            d0 = load(y, yd, m0); d1 = load(y, yd + L, m1); d2 = load(y, yd + 2 * L, m2); d3 = load(y, yd + 3 * L, m3);
            e0 = load(y, ye, m0); e1 = load(y, ye + L, m1); e2 = load(y, ye + 2 * L, m2); e3 = load(y, ye + 3 * L, m3);
            f0 = load(y, yf, m0); f1 = load(y, yf + L, m1); f2 = load(y, yf + 2 * L, m2); f3 = load(y, yf + 3 * L, m3);
        }
        for (int i = 0, wi = 0; i < kb; i++, wi += PANEL_ROWS) {
            FloatVector w0 = FloatVector.fromArray(F, tile, wi);
            FloatVector w1 = FloatVector.fromArray(F, tile, wi + L);
            FloatVector w2 = FloatVector.fromArray(F, tile, wi + 2 * L);
            FloatVector w3 = FloatVector.fromArray(F, tile, wi + 3 * L);
            FloatVector s = FloatVector.broadcast(F, x[xa + i]);
            a0 = w0.fma(s, a0); a1 = w1.fma(s, a1); a2 = w2.fma(s, a2); a3 = w3.fma(s, a3);
            s = FloatVector.broadcast(F, x[xb + i]);
            b0 = w0.fma(s, b0); b1 = w1.fma(s, b1); b2 = w2.fma(s, b2); b3 = w3.fma(s, b3);
            s = FloatVector.broadcast(F, x[xc + i]);
            c0 = w0.fma(s, c0); c1 = w1.fma(s, c1); c2 = w2.fma(s, c2); c3 = w3.fma(s, c3);
            s = FloatVector.broadcast(F, x[xd + i]);
            d0 = w0.fma(s, d0); d1 = w1.fma(s, d1); d2 = w2.fma(s, d2); d3 = w3.fma(s, d3);
            s = FloatVector.broadcast(F, x[xe + i]);
            e0 = w0.fma(s, e0); e1 = w1.fma(s, e1); e2 = w2.fma(s, e2); e3 = w3.fma(s, e3);
            s = FloatVector.broadcast(F, x[xf + i]);
            f0 = w0.fma(s, f0); f1 = w1.fma(s, f1); f2 = w2.fma(s, f2); f3 = w3.fma(s, f3);
        }
        a0.intoArray(y, ya, m0); a1.intoArray(y, ya + L, m1); a2.intoArray(y, ya + 2 * L, m2); a3.intoArray(y, ya + 3 * L, m3);
        b0.intoArray(y, yb, m0); b1.intoArray(y, yb + L, m1); b2.intoArray(y, yb + 2 * L, m2); b3.intoArray(y, yb + 3 * L, m3);
        c0.intoArray(y, yc, m0); c1.intoArray(y, yc + L, m1); c2.intoArray(y, yc + 2 * L, m2); c3.intoArray(y, yc + 3 * L, m3);
        d0.intoArray(y, yd, m0); d1.intoArray(y, yd + L, m1); d2.intoArray(y, yd + 2 * L, m2); d3.intoArray(y, yd + 3 * L, m3);
        e0.intoArray(y, ye, m0); e1.intoArray(y, ye + L, m1); e2.intoArray(y, ye + 2 * L, m2); e3.intoArray(y, ye + 3 * L, m3);
        f0.intoArray(y, yf, m0); f1.intoArray(y, yf + L, m1); f2.intoArray(y, yf + 2 * L, m2); f3.intoArray(y, yf + 3 * L, m3);
    }

    /** {@link #group4} with 2 row vectors: 12 accumulators, 2 weights and a broadcast fit AVX2's 16 registers. */
    private static void group2(float[] tile, int kb, float[] x, int x0, int in, float[] y, int y0, int out,
                               int nr, int n, boolean first) {
        int last = n - 1;
        int xa = x0, ya = y0;
        int xb = x0 + Math.min(1, last) * in, yb = y0 + Math.min(1, last) * out;
        int xc = x0 + Math.min(2, last) * in, yc = y0 + Math.min(2, last) * out;
        int xd = x0 + Math.min(3, last) * in, yd = y0 + Math.min(3, last) * out;
        int xe = x0 + Math.min(4, last) * in, ye = y0 + Math.min(4, last) * out;
        int xf = x0 + Math.min(5, last) * in, yf = y0 + Math.min(5, last) * out;
        VectorMask<Float> m0 = F.indexInRange(0, nr), m1 = F.indexInRange(L, nr);
        FloatVector a0, a1, b0, b1, c0, c1, d0, d1, e0, e1, f0, f1;
        if (first) {
            a0 = FloatVector.zero(F);
            a1 = a0; b0 = a0; b1 = a0; c0 = a0; c1 = a0; d0 = a0; d1 = a0; e0 = a0;
            e1 = a0; f0 = a0; f1 = a0;
        } else {
            a0 = load(y, ya, m0); a1 = load(y, ya + L, m1);
            b0 = load(y, yb, m0); b1 = load(y, yb + L, m1);
            c0 = load(y, yc, m0); c1 = load(y, yc + L, m1);
            d0 = load(y, yd, m0); d1 = load(y, yd + L, m1);
            e0 = load(y, ye, m0); e1 = load(y, ye + L, m1);
            f0 = load(y, yf, m0); f1 = load(y, yf + L, m1);
        }
        for (int i = 0, wi = 0; i < kb; i++, wi += PANEL_ROWS) {
            FloatVector w0 = FloatVector.fromArray(F, tile, wi);
            FloatVector w1 = FloatVector.fromArray(F, tile, wi + L);
            FloatVector s = FloatVector.broadcast(F, x[xa + i]);
            a0 = w0.fma(s, a0); a1 = w1.fma(s, a1);
            s = FloatVector.broadcast(F, x[xb + i]);
            b0 = w0.fma(s, b0); b1 = w1.fma(s, b1);
            s = FloatVector.broadcast(F, x[xc + i]);
            c0 = w0.fma(s, c0); c1 = w1.fma(s, c1);
            s = FloatVector.broadcast(F, x[xd + i]);
            d0 = w0.fma(s, d0); d1 = w1.fma(s, d1);
            s = FloatVector.broadcast(F, x[xe + i]);
            e0 = w0.fma(s, e0); e1 = w1.fma(s, e1);
            s = FloatVector.broadcast(F, x[xf + i]);
            f0 = w0.fma(s, f0); f1 = w1.fma(s, f1);
        }
        a0.intoArray(y, ya, m0); a1.intoArray(y, ya + L, m1);
        b0.intoArray(y, yb, m0); b1.intoArray(y, yb + L, m1);
        c0.intoArray(y, yc, m0); c1.intoArray(y, yc + L, m1);
        d0.intoArray(y, yd, m0); d1.intoArray(y, yd + L, m1);
        e0.intoArray(y, ye, m0); e1.intoArray(y, ye + L, m1);
        f0.intoArray(y, yf, m0); f1.intoArray(y, yf + L, m1);
    }

    private static FloatVector load(float[] y, int off, VectorMask<Float> m) {
        return FloatVector.fromArray(F, y, off, m);
    }
}
