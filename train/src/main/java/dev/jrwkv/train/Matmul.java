package dev.jrwkv.train;

/**
 * The three row-major float matrix products training needs, each in "axpy" form (a row of the
 * output += a scalar times a row of an input) so the JIT vectorises the inner loop, and each split
 * over output rows so every element is summed in the same order whatever the thread count.
 * <ul>
 *   <li>{@link #nn}: Y[M,N] (+)= X[M,K] · W[K,N] (LoRA forward, Linear backward to the input)</li>
 *   <li>{@link #nt}: Y[M,N] (+)= X[M,K] · W[N,K]ᵀ (Linear forward with W stored [out, in])</li>
 *   <li>{@link #tn}: G[K,N] += X[M,K]ᵀ · D[M,N] (weight gradients)</li>
 * </ul>
 */
final class Matmul {
    private final Parallel pool;
    /** W transposed for {@link #nt}, sized for the largest matrix of the model. */
    private final float[] transposed;

    Matmul(Parallel pool, int maxMatrix) {
        this.pool = pool;
        this.transposed = new float[maxMatrix];
    }

    void nn(float[] y, float[] x, float[] w, int M, int K, int N, boolean accumulate) {
        nnAt(y, x, w, 0, M, K, N, accumulate);
    }

    /** {@link #nn} with W read from {@code w[wOff ..]}. */
    private void nnAt(float[] y, float[] x, float[] w, int wOff, int M, int K, int N, boolean accumulate) {
        pool.forRange(M, (worker, from, to) -> {
            for (int m = from; m < to; m++) {
                int yo = m * N, xo = m * K;
                if (!accumulate) java.util.Arrays.fill(y, yo, yo + N, 0f);
                int k = 0;
                for (; k + 3 < K; k += 4) {        // four rows of W per pass: a quarter of the traffic on y
                    float a0 = x[xo + k], a1 = x[xo + k + 1], a2 = x[xo + k + 2], a3 = x[xo + k + 3];
                    if (a0 == 0f && a1 == 0f && a2 == 0f && a3 == 0f) continue;
                    int w0 = wOff + k * N, w1 = w0 + N, w2 = w1 + N, w3 = w2 + N;
                    for (int n = 0; n < N; n++) y[yo + n] += a0 * w[w0 + n] + a1 * w[w1 + n] + a2 * w[w2 + n] + a3 * w[w3 + n];
                }
                for (; k < K; k++) {
                    float a = x[xo + k];
                    int wo = wOff + k * N;
                    for (int n = 0; n < N; n++) y[yo + n] += a * w[wo + n];
                }
            }
        });
    }

    void nt(float[] y, float[] x, float[] w, int M, int K, int N, boolean accumulate) {
        if (K * N > transposed.length) throw new IllegalStateException("matrix " + N + "x" + K + " exceeds scratch");
        for (int n = 0; n < N; n++) {
            int wo = n * K;
            for (int k = 0; k < K; k++) transposed[k * N + n] = w[wo + k];
        }
        nnAt(y, x, transposed, 0, M, K, N, accumulate);
    }

    void tn(float[] g, float[] x, float[] d, int M, int K, int N) {
        pool.forRange(K, (worker, from, to) -> {
            int m = 0;
            for (; m + 3 < M; m += 4) {                 // four rows of D per pass, summed in a fixed order
                int x0 = m * K, x1 = x0 + K, x2 = x1 + K, x3 = x2 + K;
                int d0 = m * N, d1 = d0 + N, d2 = d1 + N, d3 = d2 + N;
                for (int k = from; k < to; k++) {
                    float a0 = x[x0 + k], a1 = x[x1 + k], a2 = x[x2 + k], a3 = x[x3 + k];
                    if (a0 == 0f && a1 == 0f && a2 == 0f && a3 == 0f) continue;
                    int go = k * N;
                    for (int n = 0; n < N; n++) g[go + n] += a0 * d[d0 + n] + a1 * d[d1 + n] + a2 * d[d2 + n] + a3 * d[d3 + n];
                }
            }
            for (; m < M; m++) {
                int xo = m * K, dO = m * N;
                for (int k = from; k < to; k++) {
                    float a = x[xo + k];
                    int go = k * N;
                    for (int n = 0; n < N; n++) g[go + n] += a * d[dO + n];
                }
            }
        });
    }
}
