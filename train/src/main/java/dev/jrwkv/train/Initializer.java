package dev.jrwkv.train;

import java.util.SplittableRandom;
import java.util.stream.IntStream;

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

    /** Rows orthogonalised together: the projections on earlier rows become matrix products. */
    private static final int BLOCK = 32;
    /** Columns of a chunk: a block's chunk of rows ({@code BLOCK x CHUNK} doubles) stays in L2. */
    private static final int CHUNK = 512;
    /** DGKS: project again when a row kept less than 1/sqrt(2) of its norm (cancellation). */
    private static final double REORTHOGONALISE_BELOW = Math.sqrt(0.5);

    /**
     * {@code torch.nn.init.orthogonal_} for a {@code [rows, cols]} matrix: orthonormal columns when
     * rows >= cols, orthonormal rows otherwise, times gain. Like torch (QR of a Gaussian matrix with
     * the signs of R's diagonal made positive), this is Gram-Schmidt of Gaussian vectors, so Haar
     * distributed; in double, blocked classical Gram-Schmidt with reorthogonalisation when a row
     * cancels (DGKS), whose inner loops are all vectorisable and independent of the thread count.
     */
    static void orthogonal(float[] w, int rows, int cols, double gain, SplittableRandom rng) {
        int big = Math.max(rows, cols), small = Math.min(rows, cols);
        double[][] q = new double[small][];
        double[][] qt = new double[big][small];                                // q transposed: dot products as axpys
        for (int i0 = 0; i0 < small; i0 += BLOCK) {
            int b = Math.min(BLOCK, small - i0);
            double[] before = new double[b];
            for (int i = 0; i < b; i++) {
                double[] x = q[i0 + i] = new double[big];
                for (int j = 0; j < big; j++) x[j] = rng.nextGaussian();
                before[i] = norm(x);
            }
            if (i0 > 0) {
                project(q, qt, i0, b);
                boolean cancelled = false;
                for (int i = 0; i < b; i++) cancelled |= norm(q[i0 + i]) < REORTHOGONALISE_BELOW * before[i];
                if (cancelled) project(q, qt, i0, b);
            }
            for (int i = i0; i < i0 + b; i++) {                                 // within the block: modified Gram-Schmidt, twice
                for (int pass = 0; pass < 2; pass++) {
                    for (int p = i0; p < i; p++) axpy(-dot(q[i], q[p]), q[p], q[i], 0, big);
                }
                double n = norm(q[i]);
                for (int j = 0; j < big; j++) q[i][j] /= n;
            }
            for (int j = 0; j < big; j++) for (int i = i0; i < i0 + b; i++) qt[j][i] = q[i][j];
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) w[r * cols + c] = (float) (gain * (rows >= cols ? q[c][r] : q[r][c]));
        }
    }

    /**
     * Rows {@code i0 .. i0+b} of q minus their projections on rows {@code 0 .. i0}: {@code X -= (X Q^T) Q}.
     * Each chunk of the result is computed by one thread, in a fixed order.
     */
    private static void project(double[][] q, double[][] qt, int i0, int b) {
        int big = q[0].length;
        double[][] d = new double[b][i0];                                       // d = X Q^T
        IntStream.range(0, (i0 + CHUNK - 1) / CHUNK).parallel().forEach(c -> {
            int from = c * CHUNK, to = Math.min(i0, from + CHUNK);
            for (int j = 0; j < big; j++) {
                double[] t = qt[j];
                for (int x = 0; x < b; x++) axpy(q[i0 + x][j], t, d[x], from, to);
            }
        });
        IntStream.range(0, (big + CHUNK - 1) / CHUNK).parallel().forEach(c -> {
            int from = c * CHUNK, to = Math.min(big, from + CHUNK);
            for (int p = 0; p < i0; p++) {
                for (int x = 0; x < b; x++) axpy(-d[x][p], q[p], q[i0 + x], from, to);
            }
        });
    }

    /** {@code y[from..to] += a * x[from..to]}. */
    private static void axpy(double a, double[] x, double[] y, int from, int to) {
        for (int j = from; j < to; j++) y[j] += a * x[j];
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) s += a[j] * b[j];
        return s;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }
}
