package dev.jrwkv.train;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finite-difference checks of the explicit backward on a tiny model (V24 L2 C16 H2×N8, B2, T20:
 * T crosses the WKV chunk boundary at 16, so the chunk recompute is exercised). For every
 * parameter tensor (which includes the input path: emb.weight and ln0) and two random directions
 * d, the analytic directional derivative g·d must match the central difference
 * (L(θ+εd) − L(θ−εd)) / 2ε with ε = 1e-3, within 1% plus 2e-5 (the float32 loss noise over 2ε).
 */
class GradientCheckTest {
    static final int B = 2, T = 20;
    static final double EPS = 1e-3, REL_TOL = 1e-2, ABS_TOL = 2e-5;
    static Parallel pool;

    @BeforeAll
    static void start() {
        pool = new Parallel(2);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    @Test
    void everyParameterTensorMatchesFiniteDifferences() {
        ModelShape s = TestModels.TINY;
        Parameters p = TestModels.randomized(s, 7);
        TrainableRwkv7 net = new TrainableRwkv7(p, B, T, pool);
        int[] tokens = TestModels.randomTokens(B * T + 1, s.vocab(), 11);
        int[] in = Arrays.copyOfRange(tokens, 0, B * T), out = Arrays.copyOfRange(tokens, 1, B * T + 1);
        net.forward(in, out);
        net.backward();
        SplittableRandom rng = new SplittableRandom(3);
        List<String> report = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Param q : p.list()) {
            float[] g = net.gradients().get(q.name()).data();
            for (float v : g) assertThat(Float.isFinite(v)).as(q.name() + " gradient is finite").isTrue();
            float[] x = q.data();
            float[] orig = x.clone();
            for (int dir = 0; dir < 2; dir++) {
                double[] d = new double[x.length];
                double analytic = 0;
                for (int i = 0; i < d.length; i++) {
                    d[i] = rng.nextGaussian();
                    analytic += g[i] * d[i];
                }
                for (int i = 0; i < x.length; i++) x[i] = (float) (orig[i] + EPS * d[i]);
                double lp = net.forward(in, out);
                for (int i = 0; i < x.length; i++) x[i] = (float) (orig[i] - EPS * d[i]);
                double lm = net.forward(in, out);
                System.arraycopy(orig, 0, x, 0, x.length);
                double numeric = (lp - lm) / (2 * EPS);
                String line = String.format("%-32s analytic %+.6e numeric %+.6e", q.name(), analytic, numeric);
                report.add(line);
                if (Math.abs(numeric - analytic) > REL_TOL * Math.abs(analytic) + ABS_TOL) failures.add(line);
            }
        }
        assertThat(report).hasSize(2 * p.all().size());
        assertThat(failures).as(String.join("\n", report)).isEmpty();
    }
}
