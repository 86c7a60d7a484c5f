package dev.jrwkv.tensor;

/**
 * The numeric kernels the models call. {@link ScalarBackend} is the plain reference; faster backends
 * (vectorised, multithreaded, GPU) must give the same results within float rounding, and are tested
 * against it. Activations are row-major float arrays: {@code tokens} rows of a given width.
 */
public interface Backend {

    /**
     * {@code y[t][o] = sum_i W[o][i] * x[t][i]}: the matrix {@code w} ({@code [out, in]}, any stored type)
     * applied to {@code tokens} input rows. Weights are decoded once per row and reused across tokens.
     */
    void matmul(Tensor w, float[] x, float[] y, int tokens);

    /**
     * Several independent products {@code y[i] = w[i] x[i]}, all with {@code tokens} rows: the same
     * results as calling {@link #matmul} for each, which is what this default does. A parallel backend
     * runs them as one job.
     */
    default void matmuls(Tensor[] w, float[][] x, float[][] y, int tokens) {
        if (w.length != x.length || w.length != y.length) {
            throw new IllegalArgumentException(w.length + " matrices, " + x.length + " inputs and " + y.length + " outputs");
        }
        for (int i = 0; i < w.length; i++) matmul(w[i], x[i], y[i], tokens);
    }

    /** {@link #matmul} for one token. */
    default void matvec(Tensor w, float[] x, float[] y) {
        matmul(w, x, y, 1);
    }

    /** LayerNorm of each of {@code tokens} rows of width {@code weight.length}: {@code out = (x - mean) / sqrt(var + eps) * weight + bias}. */
    void layerNorm(float[] x, float[] out, int tokens, float[] weight, float[] bias, float eps);

    /** GroupNorm with {@code groups} groups per row (one per head), affine per channel. */
    void groupNorm(float[] x, float[] out, int tokens, int groups, float[] weight, float[] bias, float eps);
}
