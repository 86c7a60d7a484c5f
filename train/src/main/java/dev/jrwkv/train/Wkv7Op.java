package dev.jrwkv.train;

import java.util.Arrays;

/**
 * The WKV-7 recurrence per (sequence, head), state S [N×N] (rows i = value, columns j = key):
 * <pre>
 *   sa_i = Σ_j S[i][j]·α_j                         α = −κ̂,  β = κ̂ ⊙ a
 *   S[i][j] ← S[i][j]·w_j + sa_i·β_j + v_i·k̃_j
 *   o_i = Σ_j S[i][j]·r_j                           (read out from the new state)
 * </pre>
 * Like the official training kernels ({@code rwkv7_clampw.cu}), forward stores S every
 * {@link #CHUNK} tokens, and backward recomputes the states inside each chunk before walking it
 * backwards. Work is split over (sequence, head) pairs; each writes only its own rows.
 */
final class Wkv7Op {
    static final int CHUNK = 16;

    private final Parallel pool;
    private final int H, N, C;
    private final float[][] chunkStates;   // per worker: CHUNK + 1 states of N×N
    private final float[][] chunkSa;       // per worker: sa of each token of the chunk, CHUNK×N
    private final float[][] dState;        // per worker: dS, N×N
    private final float[][] columns;       // per worker: 5 column sums of N (dr, dk̃, dβ, dw, dα)

    Wkv7Op(ModelShape s, Parallel pool) {
        this.pool = pool;
        this.H = s.heads();
        this.N = s.headSize();
        this.C = s.embd();
        int workers = pool.threads();
        chunkStates = new float[workers][(CHUNK + 1) * N * N];
        chunkSa = new float[workers][CHUNK * N];
        dState = new float[workers][N * N];
        columns = new float[workers][5 * N];
    }

    static int chunks(int T) {
        return (T + CHUNK - 1) / CHUNK;
    }

    /**
     * Runs the recurrence from the initial states {@code s0} ([B, H, N, N]) and writes the states
     * after the last token to {@code sLast} (same layout): what a next chunk of the same documents starts from.
     */
    void forward(float[] r, float[] w, float[] kt, float[] v, float[] kk, float[] a, float[] out, float[] states,
                 float[] s0, float[] sLast, int B, int T) {
        int chunks = chunks(T);
        int NN = N * N;
        pool.forRange(B * H, (worker, from, to) -> {
            float[] S = dState[worker];
            for (int bh = from; bh < to; bh++) {
                int b = bh / H, h = bh % H;
                System.arraycopy(s0, bh * NN, S, 0, NN);
                for (int t = 0; t < T; t++) {
                    if (t % CHUNK == 0) System.arraycopy(S, 0, states, (bh * chunks + t / CHUNK) * NN, NN);
                    step(S, r, w, kt, v, kk, a, out, (b * T + t) * C + h * N);
                }
                System.arraycopy(S, 0, sLast, bh * NN, NN);
            }
        });
    }

    /** One token: updates S in place and writes o (same operation order as the inference model). */
    private void step(float[] S, float[] r, float[] w, float[] kt, float[] v, float[] kk, float[] a,
                      float[] out, int base) {
        for (int i = 0; i < N; i++) {
            int row = i * N;
            float s = 0f;
            for (int j = 0; j < N; j++) s += S[row + j] * -kk[base + j];
            float vi = v[base + i];
            float y = 0f;
            for (int j = 0; j < N; j++) {
                float sij = S[row + j] * w[base + j] + s * (kk[base + j] * a[base + j]) + vi * kt[base + j];
                S[row + j] = sij;
                y += sij * r[base + j];
            }
            out[base + i] = y;
        }
    }

    /**
     * Given dOut, adds to dr, dk̃, dv, dw, dκ̂ and da (callers zero or pre-fill them), and writes
     * the gradient of the initial states into {@code dS0} ([B, H, N, N]: what state tuning trains).
     */
    void backward(float[] dOut, float[] r, float[] w, float[] kt, float[] v, float[] kk, float[] a, float[] states,
                  float[] dr, float[] dw, float[] dkt, float[] dv, float[] dkk, float[] da, float[] dS0, int B, int T) {
        int chunks = chunks(T);
        pool.forRange(B * H, (worker, from, to) -> {
            float[] buf = chunkStates[worker], saBuf = chunkSa[worker], dS = dState[worker], col = columns[worker];
            int NN = N * N;
            for (int bh = from; bh < to; bh++) {
                int b = bh / H, h = bh % H;
                Arrays.fill(dS, 0f);
                for (int c = chunks - 1; c >= 0; c--) {
                    int t0 = c * CHUNK, t1 = Math.min(T, t0 + CHUNK);
                    // recompute the chunk's states: buf[k] = S after token t0 + k − 1
                    System.arraycopy(states, (bh * chunks + c) * NN, buf, 0, NN);
                    for (int t = t0; t < t1; t++) {
                        int k = t - t0;
                        System.arraycopy(buf, k * NN, buf, (k + 1) * NN, NN);
                        stepInto(buf, (k + 1) * NN, saBuf, k * N, kk, a, w, kt, v, (b * T + t) * C + h * N);
                    }
                    for (int t = t1 - 1; t >= t0; t--) {
                        int k = t - t0, base = (b * T + t) * C + h * N;
                        int prev = k * NN, next = (k + 1) * NN, saOff = k * N;
                        Arrays.fill(col, 0f);
                        int cR = 0, cK = N, cB = 2 * N, cW = 3 * N, cA = 4 * N;
                        for (int i = 0; i < N; i++) {
                            int row = i * N;
                            float doi = dOut[base + i];
                            float vi = v[base + i], sai = saBuf[saOff + i];
                            float dvi = 0f, dsai = 0f;
                            for (int j = 0; j < N; j++) {
                                col[cR + j] += buf[next + row + j] * doi;          // dr_j  = Σ_i S_t[i][j] do_i
                                float g = dS[row + j] + doi * r[base + j];          // total dS_t
                                dS[row + j] = g;
                                dvi += g * kt[base + j];                           // dv_i  = Σ_j dS k̃_j
                                col[cK + j] += g * vi;                             // dk̃_j = Σ_i dS v_i
                                col[cB + j] += g * sai;                            // dβ_j  = Σ_i dS sa_i
                                dsai += g * (kk[base + j] * a[base + j]);          // dsa_i = Σ_j dS β_j
                                col[cW + j] += g * buf[prev + row + j];            // dw_j  = Σ_i dS S_{t−1}
                            }
                            for (int j = 0; j < N; j++) {
                                col[cA + j] += dsai * buf[prev + row + j];         // dα_j  = Σ_i dsa_i S_{t−1}
                                dS[row + j] = dS[row + j] * w[base + j] + dsai * -kk[base + j]; // dS_{t−1}
                            }
                            dv[base + i] += dvi;
                        }
                        for (int j = 0; j < N; j++) {
                            dr[base + j] += col[cR + j];
                            dkt[base + j] += col[cK + j];
                            dw[base + j] += col[cW + j];
                            dkk[base + j] += -col[cA + j] + col[cB + j] * a[base + j];  // α = −κ̂, β = κ̂ ⊙ a
                            da[base + j] += col[cB + j] * kk[base + j];
                        }
                    }
                }
                System.arraycopy(dS, 0, dS0, bh * NN, NN);   // dS now is d(state before the first token)
            }
        });
    }

    /** {@link #step} on the state stored at {@code S[off ..]}, keeping sa, no read-out. */
    private void stepInto(float[] S, int off, float[] sa, int saOff, float[] kk, float[] a, float[] w, float[] kt, float[] v, int base) {
        for (int i = 0; i < N; i++) {
            int row = off + i * N;
            float s = 0f;
            for (int j = 0; j < N; j++) s += S[row + j] * -kk[base + j];
            sa[saOff + i] = s;
            float vi = v[base + i];
            for (int j = 0; j < N; j++) S[row + j] = S[row + j] * w[base + j] + s * (kk[base + j] * a[base + j]) + vi * kt[base + j];
        }
    }
}
