package dev.jrwkv.tensor.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The RWKV-7 state update of {@link Wkv7} for a run of tokens of one head, in chunks of tokens at a
 * time, with matrix products instead of one rank-1 update per token (the chunked or "matrix" form, for
 * prefill). Same results as calling {@link Wkv7#step} token after token, up to rounding.
 *
 * <p><b>The math.</b> Rows of {@code S} (value channel i) evolve independently under a transition
 * shared by all rows. Per token t: {@code c_t = -kk_t}, {@code b_t = kk_t * a_t}, and
 *
 * <pre>
 *   sa_t[i] = S_{t-1}[i] . c_t
 *   S_t[i]  = S_{t-1}[i] * w_t + sa_t[i] b_t + v_t[i] k_t
 *   y_t[i]  = S_t[i] . r_t
 * </pre>
 *
 * Within a chunk of n tokens starting from state X, with decay products {@code L'_t = w_1 ... w_t}
 * (elementwise over the key channel j; {@code L'_0 = 1}: the chunk's first decay {@code w_0} is left out,
 * so a strong decay can always start a chunk) and the full decay {@code L_t = w_0 L'_t} ({@code L_-1 = 1}):
 *
 * <pre>
 *   S_t[i][j] = L_t[j] X[i][j] + sum_{u<=t} (L'_t[j] / L'_u[j]) (k_u[j] v_u[i] + b_u[j] sa_u[i])
 * </pre>
 *
 * Dotting with {@code c_s} and {@code r_t}, and factoring the decay ratio as {@code L'_t * (1 / L'_u)}:
 *
 * <pre>
 *   sa_s = (c_s L_{s-1}) . X[i] + sum_{u<s}  (P_s . K_u) v_u[i] + (P_s . B_u) sa_u[i]   P_s = c_s L'_{s-1}
 *   y_t  = (r_t L_t)     . X[i] + sum_{u<=t} (Q_t . K_u) v_u[i] + (Q_t . B_u) sa_u[i]   Q_t = r_t L'_t
 *   X'[i][j] = L_{n-1}[j] X[i][j] + L'_{n-1}[j] sum_u (K_u[j] v_u[i] + B_u[j] sa_u[i])   K_u = k_u / L'_u, B_u = b_u / L'_u
 * </pre>
 *
 * So a chunk is: one product of the 2n queries {@code c_s L_{s-1}, r_t L_t} with X; one 2n x 2n matrix
 * of the queries {@code P, Q} against the keys {@code K, B}; a forward substitution down its unit lower
 * triangle for {@code sa} (vectorised over i), which also gives {@code y}; and one rank-2n update of X.
 * The chunk keeps X transposed ({@code X[j][i]}), so every product runs along rows with scalar times
 * vector FMAs and no lane sums.
 *
 * <p><b>Range.</b> {@code 1 / L'} grows as the chunk goes on ({@code w >= 0.545} in a model, so by at most
 * 1.7e4 over 16 tokens); a chunk also ends early where some {@code L'} would fall below {@value #MIN_DECAY},
 * so {@code K, B} stay far from float overflow for any w in (0, 1]. The ratios {@code L'_t / L'_u}
 * that are used are at most 1, and each is a product of two floats with a relative error of a few
 * ulp, so factoring them costs no precision. The decay products are accumulated in float, as the
 * token-by-token form does on the state.
 *
 * <p><b>Cost.</b> About 4 N^2 + 6 n N multiply-adds per token, against the 5 N^2 lane operations and
 * 2 N lane sums of {@link Wkv7#step}, but as register-blocked products that load each state value
 * once per chunk instead of once per token. Each run also transposes the state in and out (gathers),
 * a fixed cost that makes runs of fewer than about 12 tokens slower than {@link Wkv7#step} at N = 64.
 *
 * <p>Deterministic: every sum runs in a fixed order with lane-wise FMAs (no {@code reduceLanes}).
 * Not thread-safe: one instance holds the scratch space of one head's run; use one per thread.
 *
 * <pre>{@code
 * Wkv7Chunk wkv = new Wkv7Chunk(N);                 // once, reused across heads and layers
 * for (int head = 0; head < H; head++)              // tokens t0 .. t0+T-1 of one sequence
 *     wkv.run(state, head * N * N, r, w, k, v, kk, a, t0 * C + head * N, C, T, y);
 * }</pre>
 */
public final class Wkv7Chunk {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** The default number of tokens per chunk. */
    public static final int CHUNK = 16;
    /** The longest chunk allowed: the ratios {@code 1 / L'} over longer ones could leave float's range. */
    public static final int MAX_CHUNK = 64;
    /** The smallest decay product {@code L'} a chunk may reach (its inverse scales k and b). */
    public static final float MIN_DECAY = 1e-20f;

    private final int N, chunk;
    /** N padded to whole vectors: the value index i of the scratch rows. */
    private final int NP;
    /** 2 chunk padded to whole vectors: the key index p = 2u (k_u) or 2u + 1 (b_u) of the matrix. */
    private final int W2;
    /** The state transposed, X[j][i], N x NP. */
    private final float[] XT;
    /** Rows 2s = c_s L_{s-1}, 2s + 1 = r_s L_s: the queries against X, 2 chunk x N. */
    private final float[] queriesX;
    /** Rows 2s = P_s, 2s + 1 = Q_s: the queries against the chunk's keys, 2 chunk x N. */
    private final float[] queries;
    /** Rows 2u = K_u, 2u + 1 = B_u, 2 chunk x N; and transposed, N x W2. */
    private final float[] keyRows, keys;
    /** The 2 chunk x W2 matrix queries . keys. */
    private final float[] M;
    /** Rows 2s = the X part of sa_s, 2s + 1 = that of y_s (then y_s itself), 2 chunk x NP. */
    private final float[] fromX;
    /** Rows 2u = v_u, 2u + 1 = sa_u, 2 chunk x NP. */
    private final float[] values;
    /** Gather offsets of L consecutive rows of S and of XT. */
    private final int[] rowsOfS = new int[L], rowsOfXT = new int[L];
    /** The decay products L' and L up to the last token taken, and those of the token being tried. */
    private float[] lam, full, lamNext, fullNext;

    /** Scratch space for heads of size N, chunks of {@link #CHUNK} tokens. */
    public Wkv7Chunk(int N) {
        this(N, CHUNK);
    }

    /** Scratch space for heads of size N, chunks of at most {@code chunk} tokens (1 .. {@link #MAX_CHUNK}). */
    public Wkv7Chunk(int N, int chunk) {
        if (N < 1) throw new IllegalArgumentException("head size " + N + " must be at least 1");
        if (chunk < 1 || chunk > MAX_CHUNK) {
            throw new IllegalArgumentException("chunk length " + chunk + " must be in 1.." + MAX_CHUNK);
        }
        this.N = N;
        this.chunk = chunk;
        NP = roundUp(N);
        W2 = roundUp(2 * chunk);
        XT = new float[N * NP];
        queriesX = new float[2 * chunk * N];
        queries = new float[2 * chunk * N];
        keyRows = new float[2 * chunk * N];
        keys = new float[N * W2];
        M = new float[2 * chunk * W2];
        fromX = new float[2 * chunk * NP];
        values = new float[2 * chunk * NP];
        lam = new float[N];
        full = new float[N];
        lamNext = new float[N];
        fullNext = new float[N];
        for (int l = 0; l < L; l++) {
            rowsOfS[l] = l * N;
            rowsOfXT[l] = l * NP;
        }
    }

    private static int roundUp(int n) {
        return (n + L - 1) / L * L;
    }

    /**
     * Tokens {@code 0 .. T-1} through one head: updates {@code S[s0 .. s0 + N*N)} in place (row i =
     * value channel) and writes {@code y[at + t*stride + i]}, {@code i < N}. Token t's vectors
     * {@code r, w, k, v, kk, a} are read at {@code [at + t*stride, at + t*stride + N)}.
     */
    public void run(float[] S, int s0, float[] r, float[] w, float[] k, float[] v, float[] kk, float[] a,
                    int at, int stride, int T, float[] y) {
        if (T <= 0) return;
        transpose(S, s0, N, XT, 0, NP, rowsOfS, N, N);
        for (int t0 = 0; t0 < T; ) {
            int n = prepare(r, w, k, kk, a, at + t0 * stride, stride, Math.min(chunk, T - t0));
            for (int u = 0; u < n; u++) System.arraycopy(v, at + (t0 + u) * stride, values, 2 * u * NP, N);
            // the X parts of sa and y; the queries against the chunk's keys
            product(queriesX, N, 2 * n, XT, NP, N, fromX, NP, NP, false);
            product(queries, N, 2 * n, keys, W2, N, M, W2, roundUp(2 * n), false);
            for (int s = 0; s < n; s++) {
                substitute(s);
                System.arraycopy(fromX, (2 * s + 1) * NP, y, at + (t0 + s) * stride, N);
            }
            // X' = L_{n-1} X + L'_{n-1} (keys . values)
            for (int j = 0; j < N; j++) {
                scale(XT, j * NP, NP, full[j]);
                scale(keys, j * W2, W2, lam[j]);
            }
            product(keys, W2, N, values, NP, 2 * n, XT, NP, NP, true);
            t0 += n;
        }
        transpose(XT, 0, NP, S, s0, N, rowsOfXT, N, N);
    }

    /**
     * Fills the queries and keys of the next chunk, at most {@code most} tokens from {@code at}, and
     * leaves {@link #lam}, {@link #full} at its last token. Returns the chunk's length.
     */
    private int prepare(float[] r, float[] w, float[] k, float[] kk, float[] a, int at, int stride, int most) {
        int vecEnd = N - N % L;
        FloatVector one = FloatVector.broadcast(F, 1f);
        int n = 0;
        for (int u = 0; u < most; u++, at += stride) {
            boolean tooSmall = false;
            int rowP = 2 * u * N, rowQ = rowP + N;
            for (int j = 0; j < vecEnd; j += L) {
                FloatVector wj = FloatVector.fromArray(F, w, at + j);
                FloatVector lamPrev, fullPrev, lamU, fullU;
                if (u == 0) {
                    lamPrev = FloatVector.zero(F);             // P_0 meets no earlier key
                    fullPrev = one;
                    lamU = one;
                    fullU = wj;
                } else {
                    lamPrev = FloatVector.fromArray(F, lam, j);
                    fullPrev = FloatVector.fromArray(F, full, j);
                    lamU = lamPrev.mul(wj);
                    fullU = fullPrev.mul(wj);
                    tooSmall |= lamU.compare(VectorOperators.LT, MIN_DECAY).anyTrue();
                }
                lamU.intoArray(lamNext, j);
                fullU.intoArray(fullNext, j);
                FloatVector c = FloatVector.fromArray(F, kk, at + j).neg(), rj = FloatVector.fromArray(F, r, at + j);
                c.mul(fullPrev).intoArray(queriesX, rowP + j);
                rj.mul(fullU).intoArray(queriesX, rowQ + j);
                c.mul(lamPrev).intoArray(queries, rowP + j);
                rj.mul(lamU).intoArray(queries, rowQ + j);
                FloatVector inv = one.div(lamU);
                FloatVector b = FloatVector.fromArray(F, kk, at + j).mul(FloatVector.fromArray(F, a, at + j));
                FloatVector.fromArray(F, k, at + j).mul(inv).intoArray(keyRows, rowP + j);
                b.mul(inv).intoArray(keyRows, rowQ + j);
            }
            for (int j = vecEnd; j < N; j++) {
                float lamPrev, fullPrev, lamU, fullU;
                if (u == 0) {
                    lamPrev = 0f;
                    fullPrev = 1f;
                    lamU = 1f;
                    fullU = w[at + j];
                } else {
                    lamPrev = lam[j];
                    fullPrev = full[j];
                    lamU = lamPrev * w[at + j];
                    fullU = fullPrev * w[at + j];
                    tooSmall |= lamU < MIN_DECAY;
                }
                lamNext[j] = lamU;
                fullNext[j] = fullU;
                float c = -kk[at + j], rj = r[at + j];
                queriesX[rowP + j] = c * fullPrev;
                queriesX[rowQ + j] = rj * fullU;
                queries[rowP + j] = c * lamPrev;
                queries[rowQ + j] = rj * lamU;
                float inv = 1f / lamU;
                keyRows[rowP + j] = k[at + j] * inv;
                keyRows[rowQ + j] = kk[at + j] * a[at + j] * inv;
            }
            if (tooSmall) break;                               // this token starts the next chunk
            float[] swap = lam;
            lam = lamNext;
            lamNext = swap;
            swap = full;
            full = fullNext;
            fullNext = swap;
            n = u + 1;
        }
        transpose(keyRows, 0, N, keys, 0, W2, rowsOfS, 2 * n, N);
        return n;
    }

    /**
     * {@code to[t0 + c*toStride + i] = from[f0 + i*fromStride + c]} for {@code i < rows, c < columns}:
     * L rows at a time, one gather per column ({@code gather} holds the offsets {@code l * fromStride}).
     */
    private static void transpose(float[] from, int f0, int fromStride, float[] to, int t0, int toStride, int[] gather,
                                  int rows, int columns) {
        int vecEnd = rows - rows % L;
        for (int i = 0; i < vecEnd; i += L) {
            for (int c = 0; c < columns; c++) {
                FloatVector.fromArray(F, from, f0 + i * fromStride + c, gather, 0).intoArray(to, t0 + c * toStride + i);
            }
        }
        for (int i = vecEnd; i < rows; i++) {
            for (int c = 0; c < columns; c++) to[t0 + c * toStride + i] = from[f0 + i * fromStride + c];
        }
    }

    /**
     * Row s of the forward substitution: {@code sa_s} from its X part and the earlier rows of
     * {@link #values}, then {@code y_s} (which also takes in {@code v_s} and {@code sa_s}).
     */
    private void substitute(int s) {
        int i = 0;
        for (; i + 4 * L <= NP; i += 4 * L) substitute4(s, i);
        for (; i < NP; i += L) substitute1(s, i);
    }

    /** {@link #substitute} for the four vectors of columns {@code [i, i + 4L)}. */
    private void substitute4(int s, int i) {
        int sa = 2 * s * NP + i, yo = sa + NP, mP = 2 * s * W2, mQ = mP + W2;
        FloatVector sa0 = FloatVector.fromArray(F, fromX, sa), sa1 = FloatVector.fromArray(F, fromX, sa + L);
        FloatVector sa2 = FloatVector.fromArray(F, fromX, sa + 2 * L), sa3 = FloatVector.fromArray(F, fromX, sa + 3 * L);
        FloatVector y0 = FloatVector.fromArray(F, fromX, yo), y1 = FloatVector.fromArray(F, fromX, yo + L);
        FloatVector y2 = FloatVector.fromArray(F, fromX, yo + 2 * L), y3 = FloatVector.fromArray(F, fromX, yo + 3 * L);
        for (int p = 0, row = i; p < 2 * s; p++, row += NP) {
            FloatVector mp = FloatVector.broadcast(F, M[mP + p]), mq = FloatVector.broadcast(F, M[mQ + p]);
            FloatVector x0 = FloatVector.fromArray(F, values, row), x1 = FloatVector.fromArray(F, values, row + L);
            FloatVector x2 = FloatVector.fromArray(F, values, row + 2 * L), x3 = FloatVector.fromArray(F, values, row + 3 * L);
            sa0 = x0.fma(mp, sa0);
            sa1 = x1.fma(mp, sa1);
            sa2 = x2.fma(mp, sa2);
            sa3 = x3.fma(mp, sa3);
            y0 = x0.fma(mq, y0);
            y1 = x1.fma(mq, y1);
            y2 = x2.fma(mq, y2);
            y3 = x3.fma(mq, y3);
        }
        int vs = 2 * s * NP + i, ss = vs + NP;
        sa0.intoArray(values, ss);
        sa1.intoArray(values, ss + L);
        sa2.intoArray(values, ss + 2 * L);
        sa3.intoArray(values, ss + 3 * L);
        FloatVector mv = FloatVector.broadcast(F, M[mQ + 2 * s]), ms = FloatVector.broadcast(F, M[mQ + 2 * s + 1]);
        sa0.fma(ms, FloatVector.fromArray(F, values, vs).fma(mv, y0)).intoArray(fromX, yo);
        sa1.fma(ms, FloatVector.fromArray(F, values, vs + L).fma(mv, y1)).intoArray(fromX, yo + L);
        sa2.fma(ms, FloatVector.fromArray(F, values, vs + 2 * L).fma(mv, y2)).intoArray(fromX, yo + 2 * L);
        sa3.fma(ms, FloatVector.fromArray(F, values, vs + 3 * L).fma(mv, y3)).intoArray(fromX, yo + 3 * L);
    }

    /** {@link #substitute} for the vector of columns {@code [i, i + L)}, same operations. */
    private void substitute1(int s, int i) {
        int sa = 2 * s * NP + i, yo = sa + NP, mP = 2 * s * W2, mQ = mP + W2;
        FloatVector sa0 = FloatVector.fromArray(F, fromX, sa), y0 = FloatVector.fromArray(F, fromX, yo);
        for (int p = 0, row = i; p < 2 * s; p++, row += NP) {
            FloatVector x0 = FloatVector.fromArray(F, values, row);
            sa0 = x0.fma(FloatVector.broadcast(F, M[mP + p]), sa0);
            y0 = x0.fma(FloatVector.broadcast(F, M[mQ + p]), y0);
        }
        int vs = 2 * s * NP + i;
        sa0.intoArray(values, vs + NP);
        FloatVector mv = FloatVector.broadcast(F, M[mQ + 2 * s]), ms = FloatVector.broadcast(F, M[mQ + 2 * s + 1]);
        sa0.fma(ms, FloatVector.fromArray(F, values, vs).fma(mv, y0)).intoArray(fromX, yo);
    }

    /** {@code x[at .. at + n) *= f}, n a multiple of L. */
    private static void scale(float[] x, int at, int n, float f) {
        FloatVector fv = FloatVector.broadcast(F, f);
        for (int c = 0; c < n; c += L) FloatVector.fromArray(F, x, at + c).mul(fv).intoArray(x, at + c);
    }

    /**
     * {@code C[r][c] (+)= sum_{p < depth} A[r][p] B[p][c]} for {@code r < rows}, {@code c < width} (a
     * multiple of L), rows at the given strides; p in increasing order for every element. Blocks of
     * four rows by four, two or one vectors, so that a load of B serves four rows.
     */
    private static void product(float[] A, int aStride, int rows, float[] B, int bStride, int depth,
                                float[] C, int cStride, int width, boolean accumulate) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int c = 0;
            for (; c + 4 * L <= width; c += 4 * L) block4x4(A, r * aStride, aStride, B, c, bStride, depth, C, r * cStride + c, cStride, accumulate);
            for (; c + 2 * L <= width; c += 2 * L) block4x2(A, r * aStride, aStride, B, c, bStride, depth, C, r * cStride + c, cStride, accumulate);
            for (; c < width; c += L) block4x1(A, r * aStride, aStride, B, c, bStride, depth, C, r * cStride + c, cStride, accumulate);
        }
        for (; r < rows; r++) {
            for (int c = 0; c < width; c += L) block1x1(A, r * aStride, B, c, bStride, depth, C, r * cStride + c, accumulate);
        }
    }

    private static FloatVector start(float[] C, int at, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(F, C, at) : FloatVector.zero(F);
    }

    private static void block4x4(float[] A, int a, int aS, float[] B, int b, int bS, int depth,
                                 float[] C, int c, int cS, boolean acc) {
        int c1 = c + cS, c2 = c1 + cS, c3 = c2 + cS;
        FloatVector c00 = start(C, c, acc), c01 = start(C, c + L, acc), c02 = start(C, c + 2 * L, acc), c03 = start(C, c + 3 * L, acc);
        FloatVector c10 = start(C, c1, acc), c11 = start(C, c1 + L, acc), c12 = start(C, c1 + 2 * L, acc), c13 = start(C, c1 + 3 * L, acc);
        FloatVector c20 = start(C, c2, acc), c21 = start(C, c2 + L, acc), c22 = start(C, c2 + 2 * L, acc), c23 = start(C, c2 + 3 * L, acc);
        FloatVector c30 = start(C, c3, acc), c31 = start(C, c3 + L, acc), c32 = start(C, c3 + 2 * L, acc), c33 = start(C, c3 + 3 * L, acc);
        int a1 = a + aS, a2 = a1 + aS, a3 = a2 + aS;
        for (int p = 0, row = b; p < depth; p++, row += bS) {
            FloatVector b0 = FloatVector.fromArray(F, B, row), b1 = FloatVector.fromArray(F, B, row + L);
            FloatVector b2 = FloatVector.fromArray(F, B, row + 2 * L), b3 = FloatVector.fromArray(F, B, row + 3 * L);
            FloatVector x = FloatVector.broadcast(F, A[a + p]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            c02 = b2.fma(x, c02);
            c03 = b3.fma(x, c03);
            x = FloatVector.broadcast(F, A[a1 + p]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            c12 = b2.fma(x, c12);
            c13 = b3.fma(x, c13);
            x = FloatVector.broadcast(F, A[a2 + p]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            c22 = b2.fma(x, c22);
            c23 = b3.fma(x, c23);
            x = FloatVector.broadcast(F, A[a3 + p]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            c32 = b2.fma(x, c32);
            c33 = b3.fma(x, c33);
        }
        c00.intoArray(C, c);
        c01.intoArray(C, c + L);
        c02.intoArray(C, c + 2 * L);
        c03.intoArray(C, c + 3 * L);
        c10.intoArray(C, c1);
        c11.intoArray(C, c1 + L);
        c12.intoArray(C, c1 + 2 * L);
        c13.intoArray(C, c1 + 3 * L);
        c20.intoArray(C, c2);
        c21.intoArray(C, c2 + L);
        c22.intoArray(C, c2 + 2 * L);
        c23.intoArray(C, c2 + 3 * L);
        c30.intoArray(C, c3);
        c31.intoArray(C, c3 + L);
        c32.intoArray(C, c3 + 2 * L);
        c33.intoArray(C, c3 + 3 * L);
    }

    private static void block4x2(float[] A, int a, int aS, float[] B, int b, int bS, int depth,
                                 float[] C, int c, int cS, boolean acc) {
        int c1 = c + cS, c2 = c1 + cS, c3 = c2 + cS;
        FloatVector c00 = start(C, c, acc), c01 = start(C, c + L, acc);
        FloatVector c10 = start(C, c1, acc), c11 = start(C, c1 + L, acc);
        FloatVector c20 = start(C, c2, acc), c21 = start(C, c2 + L, acc);
        FloatVector c30 = start(C, c3, acc), c31 = start(C, c3 + L, acc);
        int a1 = a + aS, a2 = a1 + aS, a3 = a2 + aS;
        for (int p = 0, row = b; p < depth; p++, row += bS) {
            FloatVector b0 = FloatVector.fromArray(F, B, row), b1 = FloatVector.fromArray(F, B, row + L);
            FloatVector x = FloatVector.broadcast(F, A[a + p]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(F, A[a1 + p]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(F, A[a2 + p]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(F, A[a3 + p]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
        }
        c00.intoArray(C, c);
        c01.intoArray(C, c + L);
        c10.intoArray(C, c1);
        c11.intoArray(C, c1 + L);
        c20.intoArray(C, c2);
        c21.intoArray(C, c2 + L);
        c30.intoArray(C, c3);
        c31.intoArray(C, c3 + L);
    }

    private static void block4x1(float[] A, int a, int aS, float[] B, int b, int bS, int depth,
                                 float[] C, int c, int cS, boolean acc) {
        int c1 = c + cS, c2 = c1 + cS, c3 = c2 + cS;
        FloatVector c0 = start(C, c, acc), c1v = start(C, c1, acc), c2v = start(C, c2, acc), c3v = start(C, c3, acc);
        int a1 = a + aS, a2 = a1 + aS, a3 = a2 + aS;
        for (int p = 0, row = b; p < depth; p++, row += bS) {
            FloatVector b0 = FloatVector.fromArray(F, B, row);
            c0 = b0.fma(FloatVector.broadcast(F, A[a + p]), c0);
            c1v = b0.fma(FloatVector.broadcast(F, A[a1 + p]), c1v);
            c2v = b0.fma(FloatVector.broadcast(F, A[a2 + p]), c2v);
            c3v = b0.fma(FloatVector.broadcast(F, A[a3 + p]), c3v);
        }
        c0.intoArray(C, c);
        c1v.intoArray(C, c1);
        c2v.intoArray(C, c2);
        c3v.intoArray(C, c3);
    }

    private static void block1x1(float[] A, int a, float[] B, int b, int bS, int depth, float[] C, int c, boolean acc) {
        FloatVector c0 = start(C, c, acc);
        for (int p = 0, row = b; p < depth; p++, row += bS) {
            c0 = FloatVector.fromArray(F, B, row).fma(FloatVector.broadcast(F, A[a + p]), c0);
        }
        c0.intoArray(C, c);
    }
}
