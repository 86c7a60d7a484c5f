package dev.jrwkv.train;

import java.util.Arrays;

/**
 * The RWKV-7 time mix of one block, forward and backward side by side (equations of
 * {@code notes/rwkv7.md} and {@code dev.jrwkv.model.Rwkv7}):
 * <pre>
 *   h = LN1(x);  x_c = h + (h_prev − h) ⊙ μ_c                 c ∈ {r, w, k, v, a, g}
 *   r = W_r x_r,  k = W_k x_k,  v = W_v x_v
 *   w = exp(−e^−½ · σ(w0 + tanh(x_w W1) W2))                   decay
 *   a = σ(a0 + (x_a A1) A2)                                      in-context learning rate
 *   v ← v + (v_first − v) ⊙ σ(v0 + (x_v V1) V2)                  layers ≥ 1
 *   g = σ(x_g G1) G2
 *   κ̂ = normalize_per_head(k ⊙ k_k),  k̃ = k ⊙ (1 + (a − 1) ⊙ k_a)
 *   o = WKV7(r, w, k̃, v, −κ̂, κ̂ ⊙ a)
 *   y = GroupNorm_H(o) + (Σ_j r_j k̃_j ρ_j) v                     per head
 *   x ← x + W_o (y ⊙ g)
 * </pre>
 */
final class TimeMixOp {
    /** e^(−1/2): w = exp(−0.606531 · σ(ω)), the official (and inference) constant. */
    static final float DECAY_SCALE = 0.606531f;

    private final ModelShape s;
    private final Matmul mm;
    private final Wkv7Op wkv;
    private final int B, T, M, C, H, N;

    TimeMixOp(ModelShape s, Matmul mm, Wkv7Op wkv, int B, int T) {
        this.s = s;
        this.mm = mm;
        this.wkv = wkv;
        this.B = B;
        this.T = T;
        this.M = B * T;
        this.C = s.embd();
        this.H = s.heads();
        this.N = s.headSize();
    }

    /**
     * x_out = x_in + TimeMix(x_in); layer 0 fills vFirst (its own v). {@code shiftIn} [B, C] is h before
     * the first token, {@code s0} and {@code sLast} the WKV states before the first and after the last token.
     */
    void forward(int l, Parameters.Block p, Activations.Layer A, float[] xIn, float[] xOut, float[] vFirst,
                 float[] shiftIn, float[] s0, float[] sLast) {
        int MC = M * C;
        LayerNormOp.forward(xIn, A.h1(), A.ln1Mean(), A.ln1Rstd(), p.ln1w(), p.ln1b(), M, C, 1, LayerNormOp.LN_EPS);
        TokenShiftOp.forward(A.h1(), p.xr(), A.xr(), shiftIn, B, T, C);
        TokenShiftOp.forward(A.h1(), p.xw(), A.xw(), shiftIn, B, T, C);
        TokenShiftOp.forward(A.h1(), p.xk(), A.xk(), shiftIn, B, T, C);
        TokenShiftOp.forward(A.h1(), p.xv(), A.xv(), shiftIn, B, T, C);
        TokenShiftOp.forward(A.h1(), p.xa(), A.xa(), shiftIn, B, T, C);
        TokenShiftOp.forward(A.h1(), p.xg(), A.xg(), shiftIn, B, T, C);
        mm.nt(A.r(), A.xr(), p.receptance(), M, C, C, false);
        mm.nt(A.k(), A.xk(), p.key(), M, C, C, false);
        mm.nt(A.vRaw(), A.xv(), p.value(), M, C, C, false);

        float[] wLow = A.wLow(), decay = A.decay(), wSig = A.wSig();
        mm.nn(wLow, A.xw(), p.w1(), M, C, s.rankW(), false);
        for (int i = 0; i < M * s.rankW(); i++) wLow[i] = (float) Math.tanh(wLow[i]);
        mm.nn(decay, wLow, p.w2(), M, s.rankW(), C, false);
        for (int i = 0; i < MC; i++) {
            wSig[i] = sigmoid(p.w0()[i % C] + decay[i]);
            decay[i] = (float) Math.exp(-DECAY_SCALE * wSig[i]);
        }

        float[] a = A.a();
        mm.nn(A.aLow(), A.xa(), p.a1(), M, C, s.rankA(), false);
        mm.nn(a, A.aLow(), p.a2(), M, s.rankA(), C, false);
        for (int i = 0; i < MC; i++) a[i] = sigmoid(p.a0()[i % C] + a[i]);

        float[] v = A.v(), vRaw = A.vRaw();
        if (l == 0) {
            System.arraycopy(vRaw, 0, v, 0, MC);
            System.arraycopy(vRaw, 0, vFirst, 0, MC);
        } else {
            float[] vGate = A.vGate();
            mm.nn(A.vLow(), A.xv(), p.v1(), M, C, s.rankV(), false);
            mm.nn(vGate, A.vLow(), p.v2(), M, s.rankV(), C, false);
            for (int i = 0; i < MC; i++) {
                vGate[i] = sigmoid(p.v0()[i % C] + vGate[i]);
                v[i] = vRaw[i] + (vFirst[i] - vRaw[i]) * vGate[i];
            }
        }

        float[] gLow = A.gLow();
        mm.nn(gLow, A.xg(), p.g1(), M, C, s.rankG(), false);
        for (int i = 0; i < M * s.rankG(); i++) gLow[i] = sigmoid(gLow[i]);
        mm.nn(A.g(), gLow, p.g2(), M, s.rankG(), C, false);

        float[] k = A.k(), kk = A.kkHat(), kt = A.kTilde(), norm = A.kkNorm();
        for (int i = 0; i < MC; i++) {
            int c = i % C;
            kk[i] = k[i] * p.kk()[c];
            kt[i] = k[i] * (1 + (a[i] - 1) * p.ka()[c]);
        }
        for (int m = 0; m < M; m++) {
            for (int h = 0; h < H; h++) {
                int base = m * C + h * N;
                float ss = 0f;
                for (int j = 0; j < N; j++) ss += kk[base + j] * kk[base + j];
                float n = Math.max((float) Math.sqrt(ss), 1e-12f);   // F.normalize eps
                norm[m * H + h] = n;
                for (int j = 0; j < N; j++) kk[base + j] /= n;
            }
        }

        wkv.forward(A.r(), decay, kt, v, kk, a, A.wkv(), A.states(), s0, sLast, B, T);
        float[] y = A.y(), yg = A.yg(), r = A.r(), g = A.g();
        LayerNormOp.forward(A.wkv(), y, A.gnMean(), A.gnRstd(), p.lnxw(), p.lnxb(), M, C, H, LayerNormOp.GN_EPS);
        for (int m = 0; m < M; m++) {
            for (int h = 0; h < H; h++) {
                int base = m * C + h * N;
                float u = 0f;                                          // bonus u_h = Σ_j r_j k̃_j ρ_j
                for (int j = 0; j < N; j++) u += r[base + j] * kt[base + j] * p.rk()[h * N + j];
                A.bonus()[m * H + h] = u;
                for (int j = 0; j < N; j++) {
                    y[base + j] = y[base + j] + u * v[base + j];
                    yg[base + j] = y[base + j] * g[base + j];
                }
            }
        }
        mm.nt(xOut, yg, p.output(), M, C, C, false);
        for (int i = 0; i < MC; i++) xOut[i] += xIn[i];
    }

    /**
     * G.dx holds d(x_out) on entry and d(x_in) on return; parameter gradients are added to {@code d},
     * the gradient of the initial WKV states is written to {@code dS0}.
     */
    void backward(int l, Parameters.Block p, Parameters.Block d, Activations.Layer A, float[] xIn, float[] vFirst,
                  float[] shiftIn, float[] dS0, Gradients G) {
        int MC = M * C;
        float[] dx = G.dx;
        float[] r = A.r(), k = A.k(), v = A.v(), kt = A.kTilde(), kk = A.kkHat(), a = A.a(), g = A.g(), y = A.y();

        // x ← x + W_o (y ⊙ g)
        mm.tn(d.output(), dx, A.yg(), M, C, C);
        mm.nn(G.dyg, dx, p.output(), M, C, C, false);
        float[] dy = G.dy, dg = G.dg;
        for (int i = 0; i < MC; i++) {
            dy[i] = G.dyg[i] * g[i];
            dg[i] = G.dyg[i] * y[i];
        }
        // bonus: y += u_h v, u_h = Σ_j r_j k̃_j ρ_j
        float[] dr = G.dr, dv = G.dv, dkt = G.dkTilde;
        for (int m = 0; m < M; m++) {
            for (int h = 0; h < H; h++) {
                int base = m * C + h * N;
                float u = A.bonus()[m * H + h];
                float du = 0f;
                for (int j = 0; j < N; j++) du += dy[base + j] * v[base + j];
                for (int j = 0; j < N; j++) {
                    float rho = p.rk()[h * N + j];
                    dv[base + j] = dy[base + j] * u;
                    dr[base + j] = du * kt[base + j] * rho;
                    dkt[base + j] = du * r[base + j] * rho;
                    d.rk()[h * N + j] += du * r[base + j] * kt[base + j];
                }
            }
        }
        // GroupNorm
        LayerNormOp.backward(dy, A.wkv(), A.gnMean(), A.gnRstd(), p.lnxw(), G.dwkv, false, d.lnxw(), d.lnxb(), M, C, H);
        // WKV-7
        float[] dDecay = G.dDecay, dkk = G.dkkHat, da = G.da;
        Arrays.fill(dDecay, 0, MC, 0f);
        Arrays.fill(dkk, 0, MC, 0f);
        Arrays.fill(da, 0, MC, 0f);
        wkv.backward(G.dwkv, r, A.decay(), kt, v, kk, a, A.states(), dr, dDecay, dkt, dv, dkk, da, dS0, B, T);

        // decay: w = exp(−s σ(ω)), ω = w0 + tanh(x_w W1) W2
        float[] dOmega = G.dDecay;
        for (int i = 0; i < MC; i++) {
            float sg = A.wSig()[i];
            dOmega[i] = dDecay[i] * A.decay()[i] * -DECAY_SCALE * sg * (1 - sg);
            d.w0()[i % C] += dOmega[i];
        }
        float[] dh = G.dh;
        Arrays.fill(dh, 0, MC, 0f);
        loraBackward(A.xw(), A.wLow(), p.w1(), p.w2(), d.w1(), d.w2(), dOmega, s.rankW(), Lora.TANH, G);
        TokenShiftOp.backward(G.dMix, A.h1(), p.xw(), shiftIn, dh, d.xw(), B, T, C);

        // k̃ = k ⊙ (1 + (a − 1) ⊙ k_a);  κ̂ = normalize(k ⊙ k_k)
        float[] dk = G.dk;
        for (int i = 0; i < MC; i++) {
            int c = i % C;
            dk[i] = dkt[i] * (1 + (a[i] - 1) * p.ka()[c]);
            da[i] += dkt[i] * k[i] * p.ka()[c];
            d.ka()[c] += dkt[i] * k[i] * (a[i] - 1);
        }
        for (int m = 0; m < M; m++) {
            for (int h = 0; h < H; h++) {
                int base = m * C + h * N;
                float n = A.kkNorm()[m * H + h];
                float dot = 0f;
                for (int j = 0; j < N; j++) dot += kk[base + j] * dkk[base + j];
                boolean clamped = n <= 1e-12f;                          // below eps F.normalize divides by the constant
                for (int j = 0; j < N; j++) {
                    int c = h * N + j;
                    float dRaw = clamped ? dkk[base + j] / n : (dkk[base + j] - kk[base + j] * dot) / n;
                    dk[base + j] += dRaw * p.kk()[c];
                    d.kk()[c] += dRaw * k[base + j];
                }
            }
        }

        // a = σ(a0 + (x_a A1) A2)
        float[] daPre = G.da;
        for (int i = 0; i < MC; i++) {
            daPre[i] = da[i] * a[i] * (1 - a[i]);
            d.a0()[i % C] += daPre[i];
        }
        loraBackward(A.xa(), A.aLow(), p.a1(), p.a2(), d.a1(), d.a2(), daPre, s.rankA(), Lora.LINEAR, G);
        TokenShiftOp.backward(G.dMix, A.h1(), p.xa(), shiftIn, dh, d.xa(), B, T, C);

        // v ← v + (v_first − v) ⊙ σ(v0 + (x_v V1) V2); layer 0: v_first = v
        float[] dvRaw = G.dv;   // in place: dv becomes d(v before the residual)
        if (l == 0) {
            for (int i = 0; i < MC; i++) dvRaw[i] = dv[i] + G.dVFirst[i];
            mm.nn(G.dMix, dvRaw, p.value(), M, C, C, false);
        } else {
            float[] vGate = A.vGate(), vRaw = A.vRaw(), dPre = G.dyg;  // dyg is free again
            for (int i = 0; i < MC; i++) {
                float gate = vGate[i];
                dPre[i] = dv[i] * (vFirst[i] - vRaw[i]) * gate * (1 - gate);
                d.v0()[i % C] += dPre[i];
                G.dVFirst[i] += dv[i] * gate;
                dvRaw[i] = dv[i] * (1 - gate);
            }
            loraBackward(A.xv(), A.vLow(), p.v1(), p.v2(), d.v1(), d.v2(), dPre, s.rankV(), Lora.LINEAR, G);
            mm.nn(G.dMix, dvRaw, p.value(), M, C, C, true);
        }
        mm.tn(d.value(), dvRaw, A.xv(), M, C, C);
        TokenShiftOp.backward(G.dMix, A.h1(), p.xv(), shiftIn, dh, d.xv(), B, T, C);

        // g = σ(x_g G1) G2
        loraBackward(A.xg(), A.gLow(), p.g1(), p.g2(), d.g1(), d.g2(), dg, s.rankG(), Lora.SIGMOID, G);
        TokenShiftOp.backward(G.dMix, A.h1(), p.xg(), shiftIn, dh, d.xg(), B, T, C);

        // r, k: linear maps of their mixes
        mm.tn(d.receptance(), dr, A.xr(), M, C, C);
        mm.nn(G.dMix, dr, p.receptance(), M, C, C, false);
        TokenShiftOp.backward(G.dMix, A.h1(), p.xr(), shiftIn, dh, d.xr(), B, T, C);
        mm.tn(d.key(), dk, A.xk(), M, C, C);
        mm.nn(G.dMix, dk, p.key(), M, C, C, false);
        TokenShiftOp.backward(G.dMix, A.h1(), p.xk(), shiftIn, dh, d.xk(), B, T, C);

        LayerNormOp.backward(dh, xIn, A.ln1Mean(), A.ln1Rstd(), p.ln1w(), dx, true, d.ln1w(), d.ln1b(), M, C, 1);
    }

    /** The activation between the two LoRA factors. */
    private enum Lora { LINEAR, TANH, SIGMOID }

    /**
     * Backward of {@code out = f(x W1) W2} given d(out): adds dW1, dW2 and writes d(x) into
     * {@code G.dMix} (overwriting it, except for the value LoRA, where the caller adds the linear path afterwards).
     */
    private void loraBackward(float[] x, float[] low, float[] w1, float[] w2, float[] dw1, float[] dw2, float[] dOut,
                              int rank, Lora f, Gradients G) {
        float[] dLow = G.dLow;
        mm.tn(dw2, low, dOut, M, rank, C);
        mm.nt(dLow, dOut, w2, M, C, rank, false);
        int n = M * rank;
        for (int i = 0; i < n; i++) {
            float o = low[i];
            dLow[i] *= switch (f) {
                case LINEAR -> 1f;
                case TANH -> 1 - o * o;
                case SIGMOID -> o * (1 - o);
            };
        }
        mm.tn(dw1, x, dLow, M, C, rank);
        mm.nt(G.dMix, dLow, w1, M, rank, C, false);
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }
}
