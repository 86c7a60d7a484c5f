package dev.jrwkv.tensor.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The RWKV-7 state update (the generalised delta rule) for one token and one head, vectorised.
 * With the head's state {@code S} ({@code N x N}, row i = value channel, column j = key channel):
 *
 * <pre>
 *   sa   = S[i] . (-kk)
 *   S[i] = S[i] * w + sa * (kk * a) + v[i] * k
 *   y[i] = S[i] . r
 * </pre>
 *
 * <pre>{@code
 * Wkv7.step(state, head * N * N, N, r, w, k, v, kk, a, t * C + head * N, y);
 * }</pre>
 *
 * <p>Deterministic: the dot products add lane-wise in a fixed order and then fold the lanes with a
 * fixed tree of shuffles and adds (never {@code reduceLanes}, whose order may change when the code is
 * compiled); the {@code N mod L} tail columns follow in index order. Rows are taken four at a time so
 * that one load of {@code w, kk, a, k, r} serves four rows.
 */
public final class Wkv7 {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final int ROWS = 4;
    private Wkv7() {
    }

    /**
     * One token through one head: updates {@code S[s0 .. s0 + N*N)} in place and writes
     * {@code y[at + i]}, {@code i < N}. The vectors {@code r, w, k, v, kk, a} are read at {@code [at, at + N)}.
     */
    public static void step(float[] S, int s0, int N, float[] r, float[] w, float[] k, float[] v,
                            float[] kk, float[] a, int at, float[] y) {
        // two passes, each its own compiled method: the Vector API's deep inlining would overflow one
        float[] sa = new float[N];
        removal(S, s0, N, kk, at, sa);
        update(S, s0, N, r, w, k, v, kk, a, at, sa, y);
    }

    /** {@code sa[i] = S[i] . (-kk)} for every row. */
    private static void removal(float[] S, int s0, int N, float[] kk, int at, float[] sa) {
        int vecEnd = N - N % L;
        int i = 0;
        for (; L >= 4 && i + ROWS <= N; i += ROWS) {
            int row0 = s0 + i * N, row1 = row0 + N, row2 = row1 + N, row3 = row2 + N;
            FloatVector sa0 = FloatVector.zero(F), sa1 = sa0, sa2 = sa0, sa3 = sa0;
            for (int j = 0; j < vecEnd; j += L) {
                FloatVector nkk = FloatVector.fromArray(F, kk, at + j).neg();
                sa0 = FloatVector.fromArray(F, S, row0 + j).fma(nkk, sa0);
                sa1 = FloatVector.fromArray(F, S, row1 + j).fma(nkk, sa1);
                sa2 = FloatVector.fromArray(F, S, row2 + j).fma(nkk, sa2);
                sa3 = FloatVector.fromArray(F, S, row3 + j).fma(nkk, sa3);
            }
            FloatVector sums = LaneSums.sum4(sa0, sa1, sa2, sa3);
            float s_a0 = sums.lane(0), s_a1 = sums.lane(LaneSums.SECOND), s_a2 = sums.lane(LaneSums.THIRD), s_a3 = sums.lane(LaneSums.FOURTH);
            for (int j = vecEnd; j < N; j++) {
                float nkk = -kk[at + j];
                s_a0 = Math.fma(S[row0 + j], nkk, s_a0);
                s_a1 = Math.fma(S[row1 + j], nkk, s_a1);
                s_a2 = Math.fma(S[row2 + j], nkk, s_a2);
                s_a3 = Math.fma(S[row3 + j], nkk, s_a3);
            }
            sa[i] = s_a0;
            sa[i + 1] = s_a1;
            sa[i + 2] = s_a2;
            sa[i + 3] = s_a3;
        }
        for (; i < N; i++) {
            int row = s0 + i * N;
            FloatVector saV = FloatVector.zero(F);
            for (int j = 0; j < vecEnd; j += L) {
                saV = FloatVector.fromArray(F, S, row + j).fma(FloatVector.fromArray(F, kk, at + j).neg(), saV);
            }
            float s_a = LaneSums.sum(saV);
            for (int j = vecEnd; j < N; j++) s_a = Math.fma(S[row + j], -kk[at + j], s_a);
            sa[i] = s_a;
        }
    }

    /** {@code S[i] = S[i] * w + sa[i] * (kk * a) + v[i] * k} and {@code y[i] = S[i] . r} for every row. */
    private static void update(float[] S, int s0, int N, float[] r, float[] w, float[] k, float[] v,
                               float[] kk, float[] a, int at, float[] sa, float[] y) {
        int vecEnd = N - N % L;
        int i = 0;
        for (; L >= 4 && i + ROWS <= N; i += ROWS) {
            int row0 = s0 + i * N, row1 = row0 + N, row2 = row1 + N, row3 = row2 + N;
            float v0 = v[at + i], v1 = v[at + i + 1], v2 = v[at + i + 2], v3 = v[at + i + 3];
            float s_a0 = sa[i], s_a1 = sa[i + 1], s_a2 = sa[i + 2], s_a3 = sa[i + 3];
            FloatVector y0 = FloatVector.zero(F), y1 = y0, y2 = y0, y3 = y0;
            for (int j = 0; j < vecEnd; j += L) {
                FloatVector wj = FloatVector.fromArray(F, w, at + j), kj = FloatVector.fromArray(F, k, at + j);
                FloatVector rj = FloatVector.fromArray(F, r, at + j);
                FloatVector b = FloatVector.fromArray(F, kk, at + j).mul(FloatVector.fromArray(F, a, at + j));
                y0 = update(S, row0 + j, wj, b, s_a0, kj, v0).fma(rj, y0);
                y1 = update(S, row1 + j, wj, b, s_a1, kj, v1).fma(rj, y1);
                y2 = update(S, row2 + j, wj, b, s_a2, kj, v2).fma(rj, y2);
                y3 = update(S, row3 + j, wj, b, s_a3, kj, v3).fma(rj, y3);
            }
            FloatVector sums = LaneSums.sum4(y0, y1, y2, y3);
            float o0 = sums.lane(0), o1 = sums.lane(LaneSums.SECOND), o2 = sums.lane(LaneSums.THIRD), o3 = sums.lane(LaneSums.FOURTH);
            for (int j = vecEnd; j < N; j++) {
                float wj = w[at + j], b = kk[at + j] * a[at + j], kj = k[at + j], rj = r[at + j];
                o0 = Math.fma(update(S, row0 + j, wj, b, s_a0, kj, v0), rj, o0);
                o1 = Math.fma(update(S, row1 + j, wj, b, s_a1, kj, v1), rj, o1);
                o2 = Math.fma(update(S, row2 + j, wj, b, s_a2, kj, v2), rj, o2);
                o3 = Math.fma(update(S, row3 + j, wj, b, s_a3, kj, v3), rj, o3);
            }
            y[at + i] = o0;
            y[at + i + 1] = o1;
            y[at + i + 2] = o2;
            y[at + i + 3] = o3;
        }
        for (; i < N; i++) {
            int row = s0 + i * N;
            float vi = v[at + i];
            FloatVector yV = FloatVector.zero(F);
            for (int j = 0; j < vecEnd; j += L) {
                FloatVector b = FloatVector.fromArray(F, kk, at + j).mul(FloatVector.fromArray(F, a, at + j));
                yV = update(S, row + j, FloatVector.fromArray(F, w, at + j), b, sa[i], FloatVector.fromArray(F, k, at + j), vi)
                        .fma(FloatVector.fromArray(F, r, at + j), yV);
            }
            float o = LaneSums.sum(yV);
            for (int j = vecEnd; j < N; j++) {
                o = Math.fma(update(S, row + j, w[at + j], kk[at + j] * a[at + j], sa[i], k[at + j], vi), r[at + j], o);
            }
            y[at + i] = o;
        }
    }

    /** {@code S[at..] = S * w + sa * b + v * k}, stored back and returned. */
    private static FloatVector update(float[] S, int at, FloatVector w, FloatVector b, float sa, FloatVector k, float v) {
        FloatVector s = FloatVector.fromArray(F, S, at).mul(w);
        s = b.fma(FloatVector.broadcast(F, sa), s);
        s = k.fma(FloatVector.broadcast(F, v), s);
        s.intoArray(S, at);
        return s;
    }

    /** The scalar column of {@link #update(float[], int, FloatVector, FloatVector, float, FloatVector, float)}, same operations. */
    private static float update(float[] S, int at, float w, float b, float sa, float k, float v) {
        float s = Math.fma(k, v, Math.fma(b, sa, S[at] * w));
        S[at] = s;
        return s;
    }
}
