package dev.jrwkv.train;

import java.util.Arrays;

/**
 * The RWKV-7 channel mix (FFN), forward and backward side by side:
 * <pre>
 *   h = LN2(x);  z = h + (h_prev − h) ⊙ μ_k
 *   x ← x + W_v relu(W_k z)²
 * </pre>
 */
final class ChannelMixOp {
    private final Matmul mm;
    private final int B, T, M, C, F;

    ChannelMixOp(ModelShape s, Matmul mm, int B, int T) {
        this.mm = mm;
        this.B = B;
        this.T = T;
        this.M = B * T;
        this.C = s.embd();
        this.F = s.ffnDim();
    }

    /** {@code shiftIn} [B, C]: h before the first token. */
    void forward(Parameters.Block p, Activations.Layer A, float[] xOut, float[] shiftIn) {
        float[] x = A.xMid();
        LayerNormOp.forward(x, A.h2(), A.ln2Mean(), A.ln2Rstd(), p.ln2w(), p.ln2b(), M, C, 1, LayerNormOp.LN_EPS);
        TokenShiftOp.forward(A.h2(), p.ffnXk(), A.z(), shiftIn, B, T, C);
        float[] kf = A.kf(), act = A.kAct();
        mm.nt(kf, A.z(), p.ffnKey(), M, C, F, false);
        for (int i = 0; i < M * F; i++) {
            float r = Math.max(kf[i], 0f);
            act[i] = r * r;
        }
        mm.nt(xOut, act, p.ffnValue(), M, F, C, false);
        for (int i = 0; i < M * C; i++) xOut[i] += x[i];
    }

    /** G.dx holds d(x_out) on entry and d(x_mid) on return. */
    void backward(Parameters.Block p, Parameters.Block d, Activations.Layer A, float[] shiftIn, Gradients G) {
        float[] dx = G.dx, dkf = G.dkf, kf = A.kf();
        mm.tn(d.ffnValue(), dx, A.kAct(), M, C, F);
        mm.nn(dkf, dx, p.ffnValue(), M, C, F, false);
        for (int i = 0; i < M * F; i++) dkf[i] *= 2 * Math.max(kf[i], 0f);   // d relu(k)² = 2 relu(k)
        mm.tn(d.ffnKey(), dkf, A.z(), M, F, C);
        mm.nn(G.dMix, dkf, p.ffnKey(), M, F, C, false);
        Arrays.fill(G.dh, 0, M * C, 0f);
        TokenShiftOp.backward(G.dMix, A.h2(), p.ffnXk(), shiftIn, G.dh, d.ffnXk(), B, T, C);
        LayerNormOp.backward(G.dh, A.xMid(), A.ln2Mean(), A.ln2Rstd(), p.ln2w(), dx, true, d.ln2w(), d.ln2b(), M, C, 1);
    }
}
