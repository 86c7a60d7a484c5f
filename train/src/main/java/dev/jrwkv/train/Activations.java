package dev.jrwkv.train;

/**
 * Everything the forward pass keeps for the backward, for a batch of B sequences of T tokens
 * (M = B·T rows, row m = b·T + t), allocated once. Names follow the equations in TimeMixOp.
 */
final class Activations {

    /** One block's saved values ([M, C] unless noted). */
    record Layer(float[] ln1Mean, float[] ln1Rstd, float[] h1,
                 float[] xr, float[] xw, float[] xk, float[] xv, float[] xa, float[] xg,
                 float[] r, float[] k, float[] vRaw, float[] v,
                 float[] wLow /* [M, Dw] tanh(x_w W1) */, float[] wSig /* σ(ω) */, float[] decay,
                 float[] aLow /* [M, Da] */, float[] a,
                 float[] vLow /* [M, Dv] */, float[] vGate,
                 float[] gLow /* [M, Dg] σ(x_g G1) */, float[] g,
                 float[] kkHat, float[] kkNorm /* [M, H] */, float[] kTilde,
                 float[] wkv, float[] states /* [B, H, chunks, N, N] */,
                 float[] gnMean, float[] gnRstd /* [M, H] */, float[] bonus /* [M, H] */,
                 float[] y /* GroupNorm + bonus, before the gate */, float[] yg,
                 float[] xMid /* residual after the time mix */,
                 float[] ln2Mean, float[] ln2Rstd, float[] h2, float[] z, float[] kf /* [M, F] */, float[] kAct /* [M, F] */) {
    }

    final int B, T, M;
    final int[] tokens, targets;
    final float[] emb;            // [M, C] embedding rows (ln0 input)
    final float[] ln0Mean, ln0Rstd;
    /** stream[l] is the input of block l (stream[0] = ln0 output); stream[L] the last block's output. */
    final float[][] stream;
    final Layer[] layers;
    final float[] lnOutMean, lnOutRstd, xo /* [M, C] */, logits /* [M, V], softmax after the loss */;
    final double[] rowLoss;       // [M]

    Activations(ModelShape s, int B, int T) {
        this.B = B;
        this.T = T;
        this.M = Math.multiplyExact(B, T);
        int C = s.embd(), H = s.heads(), F = s.ffnDim(), N = s.headSize(), V = s.vocab();
        int MC = Math.multiplyExact(M, C);
        int chunks = (T + Wkv7Op.CHUNK - 1) / Wkv7Op.CHUNK;
        tokens = new int[M];
        targets = new int[M];
        emb = new float[MC];
        ln0Mean = new float[M];
        ln0Rstd = new float[M];
        stream = new float[s.layers() + 1][MC];
        layers = new Layer[s.layers()];
        for (int l = 0; l < s.layers(); l++) {
            boolean hasV = l > 0;
            layers[l] = new Layer(new float[M], new float[M], new float[MC],
                    new float[MC], new float[MC], new float[MC], new float[MC], new float[MC], new float[MC],
                    new float[MC], new float[MC], new float[MC], new float[MC],
                    new float[M * s.rankW()], new float[MC], new float[MC],
                    new float[M * s.rankA()], new float[MC],
                    hasV ? new float[M * s.rankV()] : null, hasV ? new float[MC] : null,
                    new float[M * s.rankG()], new float[MC],
                    new float[MC], new float[M * H], new float[MC],
                    new float[MC], new float[Math.multiplyExact(B * H * chunks, N * N)],
                    new float[M * H], new float[M * H], new float[M * H],
                    new float[MC], new float[MC], new float[MC],
                    new float[M], new float[M], new float[MC], new float[MC],
                    new float[Math.multiplyExact(M, F)], new float[Math.multiplyExact(M, F)]);
        }
        lnOutMean = new float[M];
        lnOutRstd = new float[M];
        xo = new float[MC];
        logits = new float[Math.multiplyExact(M, V)];
        rowLoss = new double[M];
    }
}
