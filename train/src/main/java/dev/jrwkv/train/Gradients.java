package dev.jrwkv.train;

/**
 * The backward pass's buffers, allocated once: the parameter gradients (same names and shapes as
 * the parameters) and the activation gradients, which are reused from layer to layer.
 */
final class Gradients {
    final Parameters params;
    final float[] dx;        // d(residual stream) at the current point, [M, C]
    final float[] dh;        // d(LayerNorm output), [M, C]
    final float[] dMix;      // d(one token-shift mix), [M, C]
    final float[] dr, dk, dv, dkTilde, dkkHat, dDecay, da, dg, dy, dyg, dwkv, dVFirst; // [M, C]
    final float[] dLow, dLowPre;  // [M, max rank]
    final float[] dkf;       // [M, F]
    final float[] dLogits;   // [M, V]

    Gradients(ModelShape s, int M) {
        params = Parameters.zeros(s);
        int MC = Math.multiplyExact(M, s.embd());
        int D = Math.max(Math.max(s.rankW(), s.rankA()), Math.max(s.rankV(), s.rankG()));
        dx = new float[MC];
        dh = new float[MC];
        dMix = new float[MC];
        dr = new float[MC];
        dk = new float[MC];
        dv = new float[MC];
        dkTilde = new float[MC];
        dkkHat = new float[MC];
        dDecay = new float[MC];
        da = new float[MC];
        dg = new float[MC];
        dy = new float[MC];
        dyg = new float[MC];
        dwkv = new float[MC];
        dVFirst = new float[MC];
        dLow = new float[M * D];
        dLowPre = new float[M * D];
        dkf = new float[Math.multiplyExact(M, s.ffnDim())];
        dLogits = new float[Math.multiplyExact(M, s.vocab())];
    }
}
