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
                for (int k = 0; k < K; k++) {
                    float a = x[xo + k];
                    if (a == 0f) continue;
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
            for (int m = 0; m < M; m++) {
                int xo = m * K, dO = m * N;
                for (int k = from; k < to; k++) {
                    float a = x[xo + k];
                    if (a == 0f) continue;
                    int go = k * N;
                    for (int n = 0; n < N; n++) g[go + n] += a * d[dO + n];
                }
            }
        });
    }
}
