package dev.jrwkv.train;

import java.util.List;

/**
 * Adam (no weight decay) over a fixed list of plain arrays: the optimizer of the small trainable
 * sets of fine-tuning (LoRA adapters, tuned initial states), whose gradients are clipped like the
 * model's ({@link #clip}).
 */
final class ArrayAdam {
    private final List<float[]> params;
    private final float[][] m, v;
    private final double beta1, beta2, eps;
    private long t;

    ArrayAdam(List<float[]> params, double beta1, double beta2, double eps) {
        this.params = params;
        this.m = new float[params.size()][];
        this.v = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            m[i] = new float[params.get(i).length];
            v[i] = new float[params.get(i).length];
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /** Scales {@code grads} to global L2 norm at most {@code maxNorm}; returns the norm before. */
    static double clip(List<float[]> grads, double maxNorm) {
        double sum = 0;
        for (float[] g : grads) for (float x : g) sum += (double) x * x;
        double norm = Math.sqrt(sum);
        if (norm > maxNorm) {
            float s = (float) (maxNorm / norm);
            for (float[] g : grads) for (int i = 0; i < g.length; i++) g[i] *= s;
        }
        return norm;
    }

    void update(List<float[]> grads, double lr) {
        t++;
        float b1 = (float) beta1, b2 = (float) beta2, e = (float) eps;
        float step = (float) (lr / (1 - Math.pow(beta1, t))), invC2 = (float) (1 / (1 - Math.pow(beta2, t)));
        for (int p = 0; p < params.size(); p++) {
            float[] x = params.get(p), g = grads.get(p), mm = m[p], vv = v[p];
            for (int i = 0; i < x.length; i++) {
                mm[i] = b1 * mm[i] + (1 - b1) * g[i];
                vv[i] = b2 * vv[i] + (1 - b2) * g[i] * g[i];
                x[i] -= step * mm[i] / ((float) Math.sqrt(vv[i] * invC2) + e);
            }
        }
    }
}
