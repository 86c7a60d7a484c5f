package dev.jrwkv.train;

/**
 * LayerNorm over groups of channels: {@code groups = 1} is {@code nn.LayerNorm(C)} (eps 1e-5),
 * {@code groups = H} is the time mix's {@code nn.GroupNorm(H, C)} (eps 64e-5). Statistics are
 * accumulated in double; forward keeps mean and 1/σ per (row, group) for the backward.
 */
final class LayerNormOp {
    static final float LN_EPS = 1e-5f;
    static final float GN_EPS = 64e-5f;

    private LayerNormOp() {
    }

    /** out = (x − mean)/√(var + eps) ⊙ w + b, per row of {@code C} split into {@code groups}. */
    static void forward(float[] x, float[] out, float[] mean, float[] rstd, float[] w, float[] b,
                        int M, int C, int groups, float eps) {
        int n = C / groups;
        for (int m = 0; m < M; m++) {
            for (int g = 0; g < groups; g++) {
                int off = m * C + g * n;
                double s = 0;
                for (int i = 0; i < n; i++) s += x[off + i];
                float mu = (float) (s / n);
                double v = 0;
                for (int i = 0; i < n; i++) {
                    double d = x[off + i] - mu;
                    v += d * d;
                }
                float inv = (float) (1.0 / Math.sqrt(v / n + eps));
                mean[m * groups + g] = mu;
                rstd[m * groups + g] = inv;
                for (int i = 0; i < n; i++) out[off + i] = (x[off + i] - mu) * inv * w[g * n + i] + b[g * n + i];
            }
        }
    }

    /**
     * Given dOut, adds to dx (when {@code accumulate}, else sets it) and to dw, db:
     * dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂)) with dx̂ = dOut ⊙ w.
     */
    static void backward(float[] dOut, float[] x, float[] mean, float[] rstd, float[] w, float[] dx, boolean accumulate,
                         float[] dw, float[] db, int M, int C, int groups) {
        int n = C / groups;
        for (int m = 0; m < M; m++) {
            for (int g = 0; g < groups; g++) {
                int off = m * C + g * n;
                float mu = mean[m * groups + g], inv = rstd[m * groups + g];
                double sumD = 0, sumDX = 0;
                for (int i = 0; i < n; i++) {
                    float xh = (x[off + i] - mu) * inv;
                    float d = dOut[off + i] * w[g * n + i];
                    sumD += d;
                    sumDX += d * xh;
                    dw[g * n + i] += dOut[off + i] * xh;
                    db[g * n + i] += dOut[off + i];
                }
                float meanD = (float) (sumD / n), meanDX = (float) (sumDX / n);
                for (int i = 0; i < n; i++) {
                    float xh = (x[off + i] - mu) * inv;
                    float d = dOut[off + i] * w[g * n + i];
                    float v = inv * (d - meanD - xh * meanDX);
                    dx[off + i] = accumulate ? dx[off + i] + v : v;
                }
            }
        }
    }
}
