package dev.jrwkv.train;

import java.util.SplittableRandom;

/**
 * The official RWKV-7 initialisation ({@code RWKV-v7/train_temp/src/model.py}: the
 * {@code RWKV_Tmix_x070}/{@code RWKV_CMix_x070} constructors, then {@code generate_init_weight},
 * which overrides the 2-D {@code .weight} matrices), deterministic from a seed.
 *
 * <pre>{@code
 * Parameters p = Initializer.official(ModelShape.of(256, 4, 128, 64), 42);
 * }</pre>
 */
public final class Initializer {
    private Initializer() {
    }

    public static Parameters official(ModelShape s, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Parameters p = Parameters.zeros(s);
        int C = s.embd(), N = s.headSize(), L = s.layers(), V = s.vocab();
        uniform(p.emb(), 1e-4, rng);                                           // emb U(±1e-4)
        double[] linear = new double[C], zigzag = new double[C];
        for (int n = 0; n < C; n++) {
            linear[n] = C == 1 ? 0 : (double) n / (C - 1) - 0.5;
            double z = N == 1 ? 0 : ((n % N) - (N - 1) / 2.0) / ((N - 1) / 2.0);
            zigzag[n] = z * Math.abs(z);
        }
        for (int l = 0; l < L; l++) {
            Parameters.Block b = p.block(l);
            double r01 = L == 1 ? 0 : (double) l / (L - 1);                    // 0 to 1 (the official code divides by zero at L = 1)
            double r10 = 1.0 - (double) l / L;                                  // 1 to almost 0
            fill(b.ln1w(), 1);
            fill(b.ln2w(), 1);
            if (l == 0) fill(b.ln0w(), 1);
            for (int i = 0; i < C; i++) {
                double ddd = (double) i / C;
                b.xr()[i] = (float) (1 - Math.pow(ddd, 0.2 * r10));
                b.xw()[i] = (float) (1 - Math.pow(ddd, 0.9 * r10));
                b.xk()[i] = (float) (1 - Math.pow(ddd, 0.7 * r10));
                b.xv()[i] = (float) (1 - Math.pow(ddd, 0.7 * r10));
                b.xa()[i] = (float) (1 - Math.pow(ddd, 0.9 * r10));
                b.xg()[i] = (float) (1 - Math.pow(ddd, 0.2 * r10));
                b.ffnXk()[i] = (float) (1 - Math.pow(ddd, Math.pow(r10, 4)));
                double www = -6 + 6 * Math.pow(C == 1 ? 0 : (double) i / (C - 1), 1 + Math.pow(r01, 0.3));
                b.w0()[i] = (float) (www + 0.5 + zigzag[i] * 2.5);
                b.a0()[i] = (float) (-0.19 + zigzag[i] * 0.3 + linear[i] * 0.4);
                if (l > 0) b.v0()[i] = (float) (0.73 - linear[i] * 0.4);
                b.kk()[i] = (float) (0.71 - linear[i] * 0.1);
                b.ka()[i] = 1.02f;
                b.lnxw()[i] = (float) Math.pow((1.0 + l) / L, 0.7);              // ln_x.weight = ((1+l)/L)^0.7
            }
            fill(b.rk(), -0.04);
            // LoRA: first factors zero, second factors orthogonal x 0.1 (gain sqrt(D/C) when D > C)
            orthogonal(b.w2(), s.rankW(), C, 0.1 * loraGain(s.rankW(), C), rng);
            orthogonal(b.a2(), s.rankA(), C, 0.1 * loraGain(s.rankA(), C), rng);
            if (l > 0) orthogonal(b.v2(), s.rankV(), C, 0.1 * loraGain(s.rankV(), C), rng);
            orthogonal(b.g2(), s.rankG(), C, 0.1 * loraGain(s.rankG(), C), rng);
            // generate_init_weight: receptance/value orthogonal x1, key x0.1, output zero; ffn key x1, ffn value zero
            orthogonal(b.receptance(), C, C, 1.0, rng);
            orthogonal(b.key(), C, C, 0.1, rng);
            orthogonal(b.value(), C, C, 1.0, rng);
            orthogonal(b.ffnKey(), s.ffnDim(), C, 1.0, rng);
        }
        fill(p.lnOutW(), 1);
        orthogonal(p.head(), V, C, V > C ? 0.5 * Math.sqrt((double) V / C) : 0.5, rng);
        return p;
    }

    private static double loraGain(int rank, int embd) {
        return rank > embd ? Math.sqrt((double) rank / embd) : 1.0;
    }

    private static void fill(float[] a, double v) {
        java.util.Arrays.fill(a, (float) v);
    }

    private static void uniform(float[] a, double bound, SplittableRandom rng) {
        for (int i = 0; i < a.length; i++) a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }

    /**
     * {@code torch.nn.init.orthogonal_} for a {@code [rows, cols]} matrix: orthonormal columns when
     * rows >= cols, orthonormal rows otherwise (Gram-Schmidt of Gaussian vectors, in double), times gain.
     */
    static void orthogonal(float[] w, int rows, int cols, double gain, SplittableRandom rng) {
        int big = Math.max(rows, cols), small = Math.min(rows, cols);
        double[][] q = new double[small][big];
        for (int i = 0; i < small; i++) {
            for (int j = 0; j < big; j++) q[i][j] = rng.nextGaussian();
            for (int pass = 0; pass < 2; pass++) {                              // re-orthogonalise once for accuracy
                for (int p = 0; p < i; p++) {
                    double dot = 0;
                    for (int j = 0; j < big; j++) dot += q[i][j] * q[p][j];
                    for (int j = 0; j < big; j++) q[i][j] -= dot * q[p][j];
                }
            }
            double norm = 0;
            for (int j = 0; j < big; j++) norm += q[i][j] * q[i][j];
            norm = Math.sqrt(norm);
            for (int j = 0; j < big; j++) q[i][j] /= norm;
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) w[r * cols + c] = (float) (gain * (rows >= cols ? q[c][r] : q[r][c]));
        }
    }
}
