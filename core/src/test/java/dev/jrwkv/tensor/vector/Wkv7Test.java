package dev.jrwkv.tensor.vector;

import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Wkv7#step} against the plain scalar loop of the equations, on random states and vectors of
 * the sizes a trained model has (|kk| = 1, w in (0.5, 1), a in (0, 1)), for 20 tokens in a row.
 * N = 64 (the usual head), 37 (odd: a remainder of rows and a scalar column tail) and 5 (all tail).
 *
 * <p>Tolerance: both compute the same dot products of length N in different orders, so each value
 * differs by a few N * 2^-24 times the sum of the magnitudes of its terms; with every term of order 1
 * that is under 1e-5 for N = 64. A wrong, doubled or missing term would be of order 0.1.
 */
class Wkv7Test {
    private static final int TOKENS = 20;

    private record Inputs(float[] r, float[] w, float[] k, float[] v, float[] kk, float[] a) {
    }

    private static Inputs random(SplittableRandom rnd, int N, int heads) {
        int n = N * heads;
        float[] r = new float[n], w = new float[n], k = new float[n], v = new float[n], kk = new float[n], a = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = (float) rnd.nextDouble(-1, 1);
            w[i] = (float) rnd.nextDouble(0.5, 1);
            k[i] = (float) rnd.nextDouble(-1, 1);
            v[i] = (float) rnd.nextDouble(-1, 1);
            kk[i] = (float) rnd.nextDouble(-1, 1);
            a[i] = (float) rnd.nextDouble(0, 1);
        }
        for (int h = 0; h < heads; h++) {
            double ss = 0;
            for (int j = 0; j < N; j++) ss += kk[h * N + j] * kk[h * N + j];
            for (int j = 0; j < N; j++) kk[h * N + j] /= (float) Math.sqrt(ss);
        }
        return new Inputs(r, w, k, v, kk, a);
    }

    /** The equations as written: sa = S[i].(-kk); S[i] = S[i] w + sa (kk a) + v[i] k; y[i] = S[i].r. */
    private static void scalarStep(float[] S, int s0, int N, Inputs in, int at, float[] y) {
        for (int i = 0; i < N; i++) {
            int row = s0 + i * N;
            float sa = 0f;
            for (int j = 0; j < N; j++) sa += S[row + j] * -in.kk[at + j];
            float out = 0f;
            for (int j = 0; j < N; j++) {
                float s = S[row + j] * in.w[at + j] + sa * (in.kk[at + j] * in.a[at + j]) + in.v[at + i] * in.k[at + j];
                S[row + j] = s;
                out += s * in.r[at + j];
            }
            y[at + i] = out;
        }
    }

    private static float[] randomState(SplittableRandom rnd, int size) {
        float[] s = new float[size];
        for (int i = 0; i < size; i++) s[i] = (float) rnd.nextDouble(-1, 1);
        return s;
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 37, 5})
    void matchesTheScalarEquations(int N) {
        int heads = 2, offset = 3;                       // a state that does not start at 0, like a layer's
        SplittableRandom rnd = new SplittableRandom(N);
        float[] expected = randomState(rnd, offset + heads * N * N);
        float[] got = expected.clone();
        for (int t = 0; t < TOKENS; t++) {
            Inputs in = random(rnd, N, heads);
            float[] ye = new float[heads * N], yg = new float[heads * N];
            for (int h = 0; h < heads; h++) {
                scalarStep(expected, offset + h * N * N, N, in, h * N, ye);
                Wkv7.step(got, offset + h * N * N, N, in.r, in.w, in.k, in.v, in.kk, in.a, h * N, yg);
            }
            assertThat(maxAbs(yg, ye)).as("y at token " + t).isLessThanOrEqualTo(1e-5f);
            assertThat(maxAbs(got, expected)).as("state at token " + t).isLessThanOrEqualTo(1e-5f);
        }
        assertThat(got[0]).as("the values before the state's offset are not touched").isEqualTo(expected[0]);
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 37})
    void sameInputsSameBits(int N) {
        SplittableRandom rnd = new SplittableRandom(42);
        float[] start = randomState(rnd, N * N);
        Inputs[] tokens = new Inputs[TOKENS];
        for (int t = 0; t < TOKENS; t++) tokens[t] = random(rnd, N, 1);
        float[] first = null, firstY = null;
        // many repetitions: the early ones run interpreted, the later ones compiled
        for (int rep = 0; rep < 2_000; rep++) {
            float[] s = start.clone(), y = new float[N];
            for (Inputs in : tokens) Wkv7.step(s, 0, N, in.r, in.w, in.k, in.v, in.kk, in.a, 0, y);
            if (first == null) {
                first = s;
                firstY = y;
            } else {
                assertThat(s).as("state, repetition " + rep).isEqualTo(first);
                assertThat(y).as("y, repetition " + rep).isEqualTo(firstY);
            }
        }
    }

    private static float maxAbs(float[] a, float[] b) {
        float m = 0f;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
