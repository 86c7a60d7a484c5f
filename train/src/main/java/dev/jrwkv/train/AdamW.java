package dev.jrwkv.train;

/**
 * AdamW with bias correction and decoupled weight decay, grouped as in the official RWKV-7
 * trainer: weight decay only on the 2-D {@code .weight} matrices, {@code att.w0} at 2× the learning
 * rate, everything else 1× without decay. Moments have the parameters' names and shapes.
 *
 * <pre>{@code
 * AdamW opt = new AdamW(params.shape(), 0.9, 0.99, 1e-8, 0.1);
 * opt.update(params, grads, 1e-3);
 * }</pre>
 */
public final class AdamW {
    private final double beta1, beta2, eps, weightDecay;
    private final Parameters m, v;
    private long t;

    public AdamW(ModelShape shape, double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.m = Parameters.zeros(shape);
        this.v = Parameters.zeros(shape);
    }

    /** First moments (for checkpoints). */
    public Parameters firstMoments() {
        return m;
    }

    /** Second moments (for checkpoints). */
    public Parameters secondMoments() {
        return v;
    }

    /** Updates applied so far. */
    public long steps() {
        return t;
    }

    void restore(long steps) {
        this.t = steps;
    }

    /** The learning-rate multiplier of a parameter: 2 for {@code att.w0}, as the official optimizer groups. */
    static double lrScale(Param p) {
        return p.name().endsWith("att.w0") ? 2.0 : 1.0;
    }

    public void update(Parameters params, Parameters grads, double lr) {
        t++;
        double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
        for (Param p : params.all().values()) {
            float[] x = p.data(), g = grads.get(p.name()).data(), mm = m.get(p.name()).data(), vv = v.get(p.name()).data();
            double rate = lr * lrScale(p);
            float decay = p.isMatrixWeight() ? (float) (1 - rate * weightDecay) : 1f;
            float b1 = (float) beta1, b2 = (float) beta2;
            float step = (float) (rate / c1), invC2 = (float) (1 / c2), e = (float) eps;
            for (int i = 0; i < x.length; i++) {
                mm[i] = b1 * mm[i] + (1 - b1) * g[i];
                vv[i] = b2 * vv[i] + (1 - b2) * g[i] * g[i];
                x[i] = x[i] * decay - step * mm[i] / ((float) Math.sqrt(vv[i] * invC2) + e);
            }
        }
    }

    /** Scales {@code grads} so their global L2 norm is at most {@code maxNorm}; returns the norm before clipping. */
    public static double clipGlobalNorm(Parameters grads, double maxNorm) {
        double sum = 0;
        for (Param p : grads.all().values()) for (float g : p.data()) sum += (double) g * g;
        double norm = Math.sqrt(sum);
        if (norm > maxNorm) {
            float s = (float) (maxNorm / norm);
            for (Param p : grads.all().values()) {
                float[] g = p.data();
                for (int i = 0; i < g.length; i++) g[i] *= s;
            }
        }
        return norm;
    }
}
