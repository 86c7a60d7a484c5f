package dev.jrwkv.tensor;

/** The reference kernels: plain loops, float32 accumulation in index order. */
public final class ScalarBackend implements Backend {

    @Override
    public void matmul(Tensor w, float[] x, float[] y, int tokens) {
        int out = Math.toIntExact(w.rows());
        int in = Math.toIntExact(w.cols());
        float[] row = new float[in];
        for (int o = 0; o < out; o++) {
            w.dequantizeRow(o, row);
            for (int t = 0; t < tokens; t++) {
                int xo = t * in;
                float sum = 0f;
                for (int i = 0; i < in; i++) sum += row[i] * x[xo + i];
                y[t * out + o] = sum;
            }
        }
    }

    @Override
    public void layerNorm(float[] x, float[] out, int tokens, float[] weight, float[] bias, float eps) {
        int c = weight.length;
        for (int t = 0; t < tokens; t++) normalize(x, out, t * c, c, weight, bias, 0, eps);
    }

    @Override
    public void groupNorm(float[] x, float[] out, int tokens, int groups, float[] weight, float[] bias, float eps) {
        int c = weight.length;
        int n = c / groups;
        for (int t = 0; t < tokens; t++) {
            for (int g = 0; g < groups; g++) normalize(x, out, t * c + g * n, n, weight, bias, g * n, eps);
        }
    }

    /** Normalises x[off .. off+n) into out, affine with weight/bias starting at {@code wOff}. */
    private static void normalize(float[] x, float[] out, int off, int n, float[] weight, float[] bias, int wOff, float eps) {
        float mean = 0f;
        for (int i = 0; i < n; i++) mean += x[off + i];
        mean /= n;
        float var = 0f;
        for (int i = 0; i < n; i++) {
            float d = x[off + i] - mean;
            var += d * d;
        }
        var /= n;
        float inv = (float) (1.0 / Math.sqrt(var + eps));
        for (int i = 0; i < n; i++) out[off + i] = (x[off + i] - mean) * inv * weight[wOff + i] + bias[wOff + i];
    }
}
