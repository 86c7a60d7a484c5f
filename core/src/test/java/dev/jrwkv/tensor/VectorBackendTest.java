package dev.jrwkv.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@link VectorBackend} against {@link ScalarBackend}, for every stored type, odd shapes and 1 or 3 threads.
 *
 * <p>Tolerance. Both backends decode a weight to the same float (checked bit for bit below), so they
 * differ only in how the products are rounded and summed: the scalar one in index order, the vector
 * one lane by lane with FMA and a final reduction (Q8_0 also scales a block's sum by d once, which is
 * exact per product since q*d needs at most 19 significant bits). Each order is within
 * gamma_n * sum|w_i x_i| of the exact dot product (gamma_n ~ n * 2^-24, the classic bound for a
 * length-n float dot product in any summation order), so the two differ by at most
 * 2 * gamma_n * sum|w_i x_i|. Errors that would be bugs (a wrong, missing or doubled term) are of the
 * size of one whole term, far above that for the small rows where tails live.
 */
class VectorBackendTest {
    private static final double U = 0x1p-24;
    private static final int[] OUTS = {1, 7, 65};
    private static final int[] TOKENS = {1, 3, 17};
    private static final int[] FLOAT_INS = {1, 7, 33, 100, 517};
    /** Multiples of the 32-value block; 96 and 544 are not multiples of 64, 544 spans two decode chunks. */
    private static final int[] BLOCK_INS = {32, 96, 544};
    /** K-quants: super-blocks of 256. */
    private static final int[] SUPER_BLOCK_INS = {256, 768};

    private static final ScalarBackend SCALAR = new ScalarBackend();
    private static VectorBackend one;
    private static VectorBackend three;

    @BeforeAll
    static void start() {
        one = new VectorBackend(1);
        three = new VectorBackend(3);
    }

    @AfterAll
    static void stop() {
        one.close();
        three.close();
    }

    static Stream<Arguments> typesAndThreads() {
        List<Arguments> all = new ArrayList<>();
        for (DType t : DType.values()) {
            all.add(Arguments.of(t, 1));
            all.add(Arguments.of(t, 3));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}, {1} threads")
    @MethodSource("typesAndThreads")
    void matmulMatchesScalarBackend(DType type, int threads) {
        VectorBackend backend = threads == 1 ? one : three;
        SplittableRandom random = new SplittableRandom(type.ordinal() * 31L + threads);
        int[] ins = type.blockSize() == 256 ? SUPER_BLOCK_INS : type.isQuantized() ? BLOCK_INS : FLOAT_INS;
        for (int in : ins) {
            for (int out : OUTS) {
                Tensor w = randomTensor(type, out, in, random);
                for (int tokens : TOKENS) {
                    assertMatches(backend, w, tokens, random);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(DType.class)
    void largerMatrixSplitAcrossThreads(DType type) {
        SplittableRandom random = new SplittableRandom(7 + type.ordinal());
        Tensor w = randomTensor(type, 301, 1024, random);
        assertMatches(three, w, 1, random);
        assertMatches(three, w, 5, random);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(DType.class)
    void vectorDecoderIsBitIdenticalToTensorDecoder(DType type) {
        SplittableRandom random = new SplittableRandom(99 + type.ordinal());
        int in = type.blockSize() == 256 ? 768 : 544;
        Tensor w = randomTensor(type, 5, in, random);
        float[] expected = new float[in];
        float[] actual = new float[in];
        for (int r = 0; r < 5; r++) {
            w.dequantizeRow(r, expected);
            VectorBackend.decodeRow(w, r, actual);
            assertSameBits(expected, actual, w + " row " + r);
        }
    }

    @Test
    void everyHalfFloatDecodesExactly() {
        // all 65536 bit patterns: zeros, subnormals, normals, infinities and NaNs of both signs
        MemorySegment seg = Arena.ofAuto().allocate(2 * 65536);
        for (int i = 0; i < 65536; i++) seg.setAtIndex(LittleEndian.SHORT, i, (short) i);
        Tensor w = new Tensor("halves", DType.F16, new long[] {256, 256}, seg);
        float[] expected = new float[256];
        float[] actual = new float[256];
        for (int r = 0; r < 256; r++) {
            w.dequantizeRow(r, expected);
            VectorBackend.decodeRow(w, r, actual);
            assertSameBits(expected, actual, "halves row " + r);
        }
    }

    @Test
    void everyFiniteHalfFloatConvertsExactlyInTheDotProduct() {
        // the 63,488 finite bit patterns (exponent field below 31), 256 per row
        int rows = 63_488 / 256;
        MemorySegment seg = Arena.ofAuto().allocate(2L * rows * 256);
        int n = 0;
        for (int bits = 0; bits < 65536; bits++) {
            if ((bits & 0x7c00) != 0x7c00) seg.setAtIndex(LittleEndian.SHORT, n++, (short) bits);
        }
        Tensor w = new Tensor("finite halves", DType.F16, new long[] {rows, 256}, seg);
        assertThat(VectorBackend.halvesFinite(w)).isTrue();
        float[] decoded = new float[256];
        for (int o = 0; o < rows; o++) {                         // the prefill decoder: bit for bit, -0 and subnormals included
            VectorBackend.decodeFiniteHalves(seg, 512L * o, 256, decoded, 0);
            for (int j = 0; j < 256; j++) {
                float expected = Float.float16ToFloat(seg.getAtIndex(LittleEndian.SHORT, (long) o * 256 + j));
                if (Float.floatToRawIntBits(decoded[j]) != Float.floatToRawIntBits(expected)) fail("decoded row " + o + " column " + j);
            }
        }
        float[] x = new float[256];
        float[] y = new float[rows];
        for (int j = 0; j < 256; j++) {
            x[j] = 1f;                           // y[o] = w[o][j] exactly (plus zeros)
            one.matvec(w, x, y);
            x[j] = 0f;
            for (int o = 0; o < rows; o++) {
                float expected = Float.float16ToFloat(seg.getAtIndex(LittleEndian.SHORT, (long) o * 256 + j)) + 0f;
                if (Float.floatToIntBits(y[o] + 0f) != Float.floatToIntBits(expected)) {
                    fail("row " + o + " column " + j + ": " + y[o] + " for " + expected);
                }
            }
        }
    }

    @Test
    void anInfinityOrNaNAnywhereInAHalfTensorIsFound() {
        for (int p = 0; p < 38; p++) {                           // every lane of the longs read, and the 2-value tail
            for (short bad : new short[] {(short) 0x7c00, (short) 0xfc00, (short) 0x7e01, (short) 0xffff}) {
                MemorySegment seg = Arena.ofAuto().allocate(2 * 38);
                for (int i = 0; i < 38; i++) seg.setAtIndex(LittleEndian.SHORT, i, (short) (0x7bff - i));   // largest finite values
                seg.setAtIndex(LittleEndian.SHORT, p, bad);
                assertThat(VectorBackend.halvesFinite(new Tensor("h", DType.F16, new long[] {1, 38}, seg))).as("at %d: %x", p, bad).isFalse();
            }
        }
        MemorySegment seg = Arena.ofAuto().allocate(2 * 38);
        for (int i = 0; i < 38; i++) seg.setAtIndex(LittleEndian.SHORT, i, (short) (0xfbff - i));
        assertThat(VectorBackend.halvesFinite(new Tensor("h", DType.F16, new long[] {1, 38}, seg))).isTrue();
    }

    @Test
    void halfTensorsWithInfinityKeepTheExactConversion() {
        SplittableRandom random = new SplittableRandom(5);
        Tensor w = randomTensor(DType.F16, 9, 100, random);
        w.data().setAtIndex(LittleEndian.SHORT, 3 * 100 + 17, (short) 0x7c00);      // +inf in row 3
        w.data().setAtIndex(LittleEndian.SHORT, 5 * 100 + 50, (short) 0x7e00);      // NaN in row 5
        assertThat(VectorBackend.halvesFinite(w)).isFalse();
        float[] x = new float[100];
        for (int i = 0; i < x.length; i++) x[i] = 0.5f + (float) random.nextDouble();
        float[] y = new float[9];
        one.matvec(w, x, y);
        assertThat(y[3]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(y[5]).isNaN();
        float[] expected = new float[9];
        SCALAR.matvec(w, x, expected);
        for (int o : new int[] {0, 1, 2, 4, 6, 7, 8}) assertThat(y[o]).isCloseTo(expected[o], org.assertj.core.data.Offset.offset(1e-4f));
    }

    @Test
    void layerNormAndGroupNormMatchScalarBackend() {
        SplittableRandom random = new SplittableRandom(5);
        for (int c : new int[] {1, 7, 64, 100, 768}) {
            for (int tokens : new int[] {1, 3}) {
                float[] x = randomFloats(tokens * c, random, 3f);
                for (int i = 0; i < x.length; i++) x[i] += 0.5f; // a non-zero mean
                float[] weight = randomFloats(c, random, 1f);
                float[] bias = randomFloats(c, random, 1f);
                float[] expected = new float[x.length];
                float[] actual = new float[x.length];
                SCALAR.layerNorm(x, expected, tokens, weight, bias, 1e-5f);
                three.layerNorm(x, actual, tokens, weight, bias, 1e-5f);
                assertRelativelyClose(expected, actual, "layerNorm c=" + c);
                for (int groups : new int[] {1, c % 4 == 0 ? 4 : 1, c}) {
                    SCALAR.groupNorm(x, expected, tokens, groups, weight, bias, 64e-5f);
                    three.groupNorm(x, actual, tokens, groups, weight, bias, 64e-5f);
                    assertRelativelyClose(expected, actual, "groupNorm c=" + c + " groups=" + groups);
                }
            }
        }
    }

    @Test
    void sharedPoolOutlivesTheBackend() {
        SplittableRandom random = new SplittableRandom(11);
        Tensor w = randomTensor(DType.Q8_0, 65, 544, random);
        try (WorkerPool pool = new WorkerPool(3)) {
            try (VectorBackend a = new VectorBackend(pool)) {
                assertMatches(a, w, 3, random);
            }
            try (VectorBackend b = new VectorBackend(pool)) {
                assertMatches(b, w, 1, random);
            }
            assertThat(pool.isTerminated()).isFalse();
        }
    }

    @Test
    void closeStopsTheWorkers() {
        WorkerPool pool = new WorkerPool(3);
        VectorBackend backend = new VectorBackend(pool);
        Tensor w = randomTensor(DType.F32, 300, 300, new SplittableRandom(1));
        backend.matvec(w, new float[300], new float[300]);
        pool.close();
        assertThat(pool.isTerminated()).isTrue();
        assertThatThrownBy(() -> backend.matvec(w, new float[300], new float[300]))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        VectorBackend owning = new VectorBackend(2);
        owning.close();
        assertThatThrownBy(() -> owning.matvec(w, new float[300], new float[300])).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 3})
    void matmulsGiveTheBitsOfSeparateMatmuls(int threads) {
        VectorBackend backend = threads == 1 ? one : three;
        SplittableRandom random = new SplittableRandom(41 + threads);
        // a projection, a narrow LoRA expansion (F32 rows of 64: four at a time), a reduction and a quantized matrix
        Tensor[] w = {randomTensor(DType.F16, 130, 96, random), randomTensor(DType.F32, 97, 64, random),
                randomTensor(DType.F32, 64, 130, random), randomTensor(DType.Q8_0, 65, 96, random)};
        for (int tokens : new int[] {1, 5}) {
            float[][] x = new float[w.length][];
            float[][] together = new float[w.length][];
            for (int i = 0; i < w.length; i++) {
                x[i] = randomFloats(tokens * (int) w[i].cols(), random, 1f);
                together[i] = new float[tokens * (int) w[i].rows()];
            }
            backend.matmuls(w, x, together, tokens);
            for (int i = 0; i < w.length; i++) {
                float[] alone = new float[together[i].length];
                backend.matmul(w[i], x[i], alone, tokens);
                assertSameBits(alone, together[i], w[i] + " tokens=" + tokens);
                assertMatches(backend, w[i], tokens, random);
            }
        }
    }

    @Test
    void matmulsChecksEveryProduct() {
        SplittableRandom random = new SplittableRandom(5);
        Tensor a = randomTensor(DType.F32, 4, 8, random);
        Tensor b = randomTensor(DType.F16, 6, 8, random);
        assertThatThrownBy(() -> three.matmuls(new Tensor[] {a, b}, new float[][] {new float[8]}, new float[][] {new float[4], new float[6]}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 matrices, 1 inputs");
        float[] untouched = new float[4];
        assertThatThrownBy(() -> three.matmuls(new Tensor[] {a, b}, new float[][] {new float[8], new float[8]}, new float[][] {untouched, new float[5]}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(b.toString()).hasMessageContaining("output");
        assertThat(untouched).containsOnly(0f);                             // checked before anything runs
        // the scalar backend's default runs them one by one, with the same checks
        assertThatThrownBy(() -> SCALAR.matmuls(new Tensor[] {a}, new float[][] {}, new float[][] {new float[4]}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 matrices, 0 inputs");
    }

    @Test
    void wrongSizesAreReportedWithTheTensorName() {
        Tensor w = randomTensor(DType.F16, 8, 16, new SplittableRandom(2));
        assertThatThrownBy(() -> one.matmul(w, new float[16], new float[16], 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("w F16 [8, 16]").hasMessageContaining("input");
        assertThatThrownBy(() -> one.matmul(w, new float[32], new float[8], 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("output");
        assertThatThrownBy(() -> one.matmul(w, new float[32], new float[16], -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
        assertThatThrownBy(() -> one.groupNorm(new float[10], new float[10], 1, 3, new float[10], new float[10], 1e-5f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 groups");
    }

    // ---------------------------------------------------------------- helpers

    static void assertMatches(Backend backend, Tensor w, int tokens, SplittableRandom random) {
        int out = (int) w.rows();
        int in = (int) w.cols();
        float[] x = randomFloats(tokens * in, random, 1f);
        float[] expected = new float[tokens * out];
        float[] actual = new float[tokens * out];
        SCALAR.matmul(w, x, expected, tokens);
        backend.matmul(w, x, actual, tokens);
        float[] row = new float[in];
        for (int o = 0; o < out; o++) {
            w.dequantizeRow(o, row);
            for (int t = 0; t < tokens; t++) {
                double magnitude = 0;
                for (int i = 0; i < in; i++) magnitude += Math.abs((double) row[i] * x[t * in + i]);
                double tolerance = 2 * gamma(in) * magnitude;
                float e = expected[t * out + o];
                float a = actual[t * out + o];
                if (!(Math.abs(e - a) <= tolerance)) {
                    fail("%s tokens=%d: y[%d][%d] = %s, scalar %s, difference %s over tolerance %s",
                            w, tokens, t, o, a, e, Math.abs(e - a), tolerance);
                }
            }
        }
    }

    private static double gamma(int n) {
        return n * U / (1 - n * U);
    }

    private static void assertSameBits(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            boolean bothNaN = Float.isNaN(expected[i]) && Float.isNaN(actual[i]); // NaN payloads may differ: Float.float16ToFloat quiets them
            if (!bothNaN && Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail("%s [%d]: decoded %s, expected %s", what, i, actual[i], expected[i]);
            }
        }
    }

    private static void assertRelativelyClose(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(expected[i] - actual[i]);
            if (diff > 1e-5 * Math.max(1, Math.abs(expected[i]))) {
                fail("%s [%d]: %s, scalar %s", what, i, actual[i], expected[i]);
            }
        }
    }

    private static float[] randomFloats(int n, SplittableRandom random, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (random.nextDouble(-1, 1) * scale);
        return v;
    }

    /** A valid tensor of {@code type}: random values, or random blocks with random fp16 scales and quants. */
    static Tensor randomTensor(DType type, int out, int in, SplittableRandom random) {
        long elements = (long) out * in;
        MemorySegment seg = Arena.ofAuto().allocate(type.byteSize(elements), 64);
        switch (type) {
            case F32 -> {
                for (long i = 0; i < elements; i++) seg.setAtIndex(LittleEndian.FLOAT, i, (float) random.nextDouble(-1, 1));
            }
            case F16 -> {
                for (long i = 0; i < elements; i++) seg.setAtIndex(LittleEndian.SHORT, i, randomHalf(random, 1));
            }
            case BF16 -> {
                for (long i = 0; i < elements; i++) {
                    float f = (float) random.nextDouble(-1, 1);
                    seg.setAtIndex(LittleEndian.SHORT, i, (short) (Float.floatToRawIntBits(f) >>> 16));
                }
            }
            default -> {
                // header (d, and m for the _1 types, and qh for Q5): fp16 scales and random high bits; the rest random quants
                for (long b = 0; b < elements / type.blockSize(); b++) {
                    long off = b * type.blockBytes();
                    for (int j = 0; j < type.blockBytes(); j++) seg.set(JAVA_BYTE, off + j, (byte) random.nextInt(256));
                    if (type == DType.Q6_K) {                       // ql, qh, int8 scales, then d at the end
                        seg.set(LittleEndian.SHORT, off + type.blockBytes() - 2, randomHalf(random, 0.05));
                        continue;
                    }
                    seg.set(LittleEndian.SHORT, off, randomHalf(random, 0.05));
                    if (type == DType.Q4_1 || type == DType.Q5_1 || type == DType.Q4_K || type == DType.Q5_K) {
                        seg.set(LittleEndian.SHORT, off + 2, randomHalf(random, 0.5));   // m, or dmin of the K-quants
                    }
                }
            }
        }
        return new Tensor("w", type, new long[] {out, in}, seg);
    }

    /** A random fp16 in (-scale, scale), now and then a subnormal or zero. */
    private static short randomHalf(SplittableRandom random, double scale) {
        int pick = random.nextInt(32);
        if (pick == 0) return (short) random.nextInt(0x0400); // positive subnormal or zero
        if (pick == 1) return (short) (0x8000 | random.nextInt(0x0400)); // negative subnormal or zero
        return Float.floatToFloat16((float) random.nextDouble(-scale, scale));
    }
}
