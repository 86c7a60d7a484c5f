package dev.jrwkv.tensor.vector;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Wkv7Chunk} against {@link Wkv7#step} token by token, on inputs shaped like a model's: w =
 * exp(-0.606531 sigmoid(z)) in (0.545, 1), kk of unit length per head, a = sigmoid(z) in (0, 1), r, k,
 * v in (-1, 1), a nonzero state in (-1, 1); two heads laid out as in a model's rows (head h at
 * {@code t*C + h*N}, state at an offset). Head sizes 64 (the usual), 80 (whole and partial blocks of
 * four vectors), 12 and 37 (not a multiple of the vector length: scalar key columns, padded value
 * columns). Lengths 1, 7, one chunk, and several chunks with a remainder.
 *
 * <p>Tolerance: max-abs error at most {@value #TOLERANCE} times the largest magnitude of the compared
 * values (y or the state), with at least 1 as that magnitude. Both forms round every product and sum
 * in float (2^-24 = 6e-8 relative); a dot product of N = 64 terms is off by up to about N 2^-24 of the
 * sum of its terms' magnitudes, some 4e-6 of a value's scale, and the chunked form chains a few such
 * products (the X part, the key matrix, the substitution, the rank-2n update). The states are
 * contractions (w < 1, and the removal at most cancels a row's part along kk), so these errors stay
 * of that size instead of growing with the number of tokens; the long run checks that. A wrong sign,
 * decay exponent or missing term is off by a fraction of the value's scale, orders of magnitude more.
 */
class Wkv7ChunkTest {
    private static final float TOLERANCE = 4e-6f;
    private static final float DECAY_SCALE = 0.606531f;
    private static final int HEADS = 2, OFFSET = 3;

    /** Per-token vectors of T rows of C = HEADS * N, as {@code Rwkv7.timeMix} holds them. */
    private record Inputs(int N, int T, float[] r, float[] w, float[] k, float[] v, float[] kk, float[] a) {
        int C() {
            return HEADS * N;
        }
    }

    private static Inputs random(SplittableRandom rnd, int N, int T) {
        int n = T * HEADS * N;
        float[] r = new float[n], w = new float[n], k = new float[n], v = new float[n], kk = new float[n], a = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = (float) rnd.nextDouble(-1, 1);
            w[i] = (float) Math.exp(-DECAY_SCALE * sigmoid(rnd.nextDouble(-6, 6)));
            k[i] = (float) rnd.nextDouble(-1, 1);
            v[i] = (float) rnd.nextDouble(-1, 1);
            kk[i] = (float) rnd.nextDouble(-1, 1);
            a[i] = (float) sigmoid(rnd.nextDouble(-6, 6));
        }
        for (int base = 0; base < n; base += N) {
            double ss = 0;
            for (int j = 0; j < N; j++) ss += kk[base + j] * kk[base + j];
            for (int j = 0; j < N; j++) kk[base + j] /= (float) Math.sqrt(ss);
        }
        return new Inputs(N, T, r, w, k, v, kk, a);
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    private static float[] randomState(SplittableRandom rnd, int N) {
        float[] s = new float[OFFSET + HEADS * N * N];
        for (int i = OFFSET; i < s.length; i++) s[i] = (float) rnd.nextDouble(-1, 1);
        return s;
    }

    /** The token-by-token reference: y of all rows; the state updated in place. */
    private static float[] stepByStep(float[] S, Inputs in) {
        int N = in.N, C = in.C();
        float[] y = new float[in.T * C];
        for (int t = 0; t < in.T; t++) {
            for (int h = 0; h < HEADS; h++) {
                Wkv7.step(S, OFFSET + h * N * N, N, in.r, in.w, in.k, in.v, in.kk, in.a, t * C + h * N, y);
            }
        }
        return y;
    }

    private static float[] chunked(Wkv7Chunk wkv, float[] S, Inputs in) {
        int N = in.N, C = in.C();
        float[] y = new float[in.T * C];
        for (int h = 0; h < HEADS; h++) {
            wkv.run(S, OFFSET + h * N * N, in.r, in.w, in.k, in.v, in.kk, in.a, h * N, C, in.T, y);
        }
        return y;
    }

    @ParameterizedTest
    @CsvSource({"64, 1", "64, 7", "64, 16", "64, 130", "80, 7", "80, 130", "12, 1", "12, 7", "12, 16", "12, 130",
                "37, 7", "37, 130"})
    void matchesTheTokenByTokenUpdate(int N, int T) {
        SplittableRandom rnd = new SplittableRandom(31L * N + T);
        Inputs in = random(rnd, N, T);
        float[] expected = randomState(rnd, N), got = expected.clone();
        float[] ye = stepByStep(expected, in);
        float[] yg = chunked(new Wkv7Chunk(N), got, in);
        assertClose(yg, ye, "y");
        assertClose(got, expected, "state");
        assertThat(got[0]).as("the values before the state's offset are not touched").isEqualTo(expected[0]);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5, 16, 33, 64})
    void anyChunkLengthGivesTheSameResults(int chunk) {
        SplittableRandom rnd = new SplittableRandom(chunk);
        Inputs in = random(rnd, 64, 130);
        float[] expected = randomState(rnd, 64), got = expected.clone();
        float[] ye = stepByStep(expected, in);
        float[] yg = chunked(new Wkv7Chunk(64, chunk), got, in);
        assertClose(yg, ye, "y");
        assertClose(got, expected, "state");
    }

    /** Decays far below a model's 0.545, some exactly 0: chunks must end early instead of overflowing. */
    @Test
    void strongDecaysEndChunksEarly() {
        int N = 64, T = 100;
        SplittableRandom rnd = new SplittableRandom(7);
        Inputs in = random(rnd, N, T);
        for (int i = 0; i < in.w.length; i++) {
            double u = rnd.nextDouble();
            in.w[i] = u < 0.05 ? 0f : u < 0.5 ? (float) rnd.nextDouble(0, 0.05) : in.w[i];
        }
        float[] expected = randomState(rnd, N), got = expected.clone();
        float[] ye = stepByStep(expected, in);
        float[] yg = chunked(new Wkv7Chunk(N, Wkv7Chunk.MAX_CHUNK), got, in);
        assertClose(yg, ye, "y");
        assertClose(got, expected, "state");
    }

    /** 1024 tokens: the errors of the last 128 are no larger than the tolerance, nor much above the first 128's. */
    @Test
    void errorsDoNotGrowOverALongRun() {
        int N = 64, T = 1024, C = HEADS * N;
        SplittableRandom rnd = new SplittableRandom(1024);
        Inputs in = random(rnd, N, T);
        float[] expected = randomState(rnd, N), got = expected.clone();
        float[] ye = stepByStep(expected, in);
        float[] yg = chunked(new Wkv7Chunk(N), got, in);
        int block = 128 * C;
        float first = relativeError(yg, ye, 0, block), last = relativeError(yg, ye, yg.length - block, yg.length);
        assertThat(last).as("relative error of y over the last 128 tokens").isLessThanOrEqualTo(TOLERANCE);
        assertThat(last).as("relative error of y, last 128 tokens against the first 128 (%s)", first)
                .isLessThanOrEqualTo(Math.max(4 * first, TOLERANCE / 4));
        assertClose(got, expected, "state");
    }

    @Test
    void sameInputsSameBits() {
        int N = 64, T = 40;
        SplittableRandom rnd = new SplittableRandom(42);
        Inputs in = random(rnd, N, T);
        float[] start = randomState(rnd, N);
        Wkv7Chunk wkv = new Wkv7Chunk(N);
        float[] first = null, firstY = null;
        // many repetitions: the early ones run interpreted, the later ones compiled
        for (int rep = 0; rep < 1_000; rep++) {
            float[] s = start.clone();
            float[] y = chunked(wkv, s, in);
            if (first == null) {
                first = s;
                firstY = y;
            } else {
                assertThat(s).as("state, repetition " + rep).isEqualTo(first);
                assertThat(y).as("y, repetition " + rep).isEqualTo(firstY);
            }
        }
    }

    @Test
    void rejectsChunkLengthsOutOfRange() {
        assertThatThrownBy(() -> new Wkv7Chunk(64, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunk length 0");
        assertThatThrownBy(() -> new Wkv7Chunk(64, Wkv7Chunk.MAX_CHUNK + 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chunk length");
        assertThatThrownBy(() -> new Wkv7Chunk(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("head size 0");
    }

    private static void assertClose(float[] got, float[] expected, String what) {
        assertThat(relativeError(got, expected, 0, got.length))
                .as("max-abs error of %s over its scale max(1, max |%s|)", what, what).isLessThanOrEqualTo(TOLERANCE);
    }

    /** max |got - expected| / max(1, max |expected|) over {@code [from, to)}. */
    private static float relativeError(float[] got, float[] expected, int from, int to) {
        float err = 0f, scale = 1f;
        for (int i = from; i < to; i++) {
            err = Math.max(err, Math.abs(got[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return err / scale;
    }
}
