package dev.jrwkv.model;

/**
 * The WKV recurrence of RWKV-5 and 6, per head with {@code S[i][j]} (i = key, j = value):
 * {@code y[j] = sum_i r[i] (u[i] k[i] v[j] + S[i][j])}, then {@code S[i][j] = k[i] v[j] + w[i] S[i][j]}.
 * The decay {@code w} is per token for v6 ({@code decayPerToken}) and constant for v5.
 */
final class WkvMatrixState {
    private WkvMatrixState() {
    }

    /**
     * Runs the {@code T} rows of {@code b}, each through its sequence's state at {@code offset} ({@code H x N x N}) and returns the outputs.
     * {@code w} holds {@code C} values (v5) or {@code T x C} values (v6, data-dependent decay).
     */
    static float[] run(Batch b, int offset, float[] r, float[] k, float[] v, float[] w, float[] u, int T, int H, int N) {
        int C = H * N;
        boolean perToken = w.length == T * C;
        float[] y = new float[T * C];
        for (int t = 0; t < T; t++) {
            float[] s = b.state(t);
            int wt = perToken ? t * C : 0;
            for (int h = 0; h < H; h++) {
                int base = t * C + h * N;
                int sh = offset + h * N * N;
                for (int i = 0; i < N; i++) {
                    int c = h * N + i;
                    float ri = r[base + i], ki = k[base + i], ui = u[c], wi = w[wt + c];
                    int row = sh + i * N;
                    for (int j = 0; j < N; j++) {
                        float a = ki * v[base + j];
                        y[base + j] += ri * (ui * a + s[row + j]);
                        s[row + j] = a + wi * s[row + j];
                    }
                }
            }
        }
        return y;
    }
}
