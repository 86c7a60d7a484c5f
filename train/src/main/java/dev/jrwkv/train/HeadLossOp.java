package dev.jrwkv.train;

/**
 * The head and the loss: {@code logits = W_head LN_out(x)}, cross-entropy against the next
 * token, averaged over all B·T positions. Softmax sums in double.
 */
final class HeadLossOp {
    private final Matmul mm;
    private final Parallel pool;
    private final int M, C, V;

    HeadLossOp(ModelShape s, Matmul mm, Parallel pool, int M) {
        this.mm = mm;
        this.pool = pool;
        this.M = M;
        this.C = s.embd();
        this.V = s.vocab();
    }

    /** Returns the mean loss; keeps LN_out's output and the logits. */
    double forward(Parameters P, Activations A, float[] x) {
        LayerNormOp.forward(x, A.xo, A.lnOutMean, A.lnOutRstd, P.lnOutW(), P.lnOutB(), M, C, 1, LayerNormOp.LN_EPS);
        mm.nt(A.logits, A.xo, P.head(), M, C, V, false);
        float[] logits = A.logits;
        pool.forRange(M, (worker, from, to) -> {
            for (int m = from; m < to; m++) {
                int o = m * V;
                float max = Float.NEGATIVE_INFINITY;
                for (int v = 0; v < V; v++) max = Math.max(max, logits[o + v]);
                double sum = 0;
                for (int v = 0; v < V; v++) sum += Math.exp(logits[o + v] - max);
                A.rowLoss[m] = Math.log(sum) + max - logits[o + A.targets[m]];
            }
        });
        double total = 0;
        for (int m = 0; m < M; m++) total += A.rowLoss[m];
        return total / M;
    }

    /** Writes d(x) into G.dx and adds dHead, dLN_out. */
    void backward(Parameters P, Parameters dP, Activations A, float[] x, Gradients G) {
        float[] logits = A.logits, dl = G.dLogits;
        float scale = 1f / M;
        pool.forRange(M, (worker, from, to) -> {
            for (int m = from; m < to; m++) {
                int o = m * V;
                float max = Float.NEGATIVE_INFINITY;
                for (int v = 0; v < V; v++) max = Math.max(max, logits[o + v]);
                double sum = 0;
                for (int v = 0; v < V; v++) sum += Math.exp(logits[o + v] - max);
                double inv = 1.0 / sum;
                for (int v = 0; v < V; v++) dl[o + v] = (float) (Math.exp(logits[o + v] - max) * inv) * scale;
                dl[o + A.targets[m]] -= scale;                          // d CE / d logits = (softmax − onehot) / M
            }
        });
        mm.tn(dP.head(), dl, A.xo, M, V, C);
        mm.nn(G.dh, dl, P.head(), M, V, C, false);
        LayerNormOp.backward(G.dh, x, A.lnOutMean, A.lnOutRstd, P.lnOutW(), G.dx, false, dP.lnOutW(), dP.lnOutB(), M, C, 1);
    }
}
