package dev.jrwkv.tensor;

import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.fail;

/**
 * The prefill GEMM ({@link TiledMatmul}, reached through {@link VectorBackend#matmul} with several tokens)
 * on the shapes where its blocking has edges: token counts that are not multiples of the 6-token group,
 * row counts around the panel ({@link TiledMatmul#PANEL_ROWS}), column counts below, across and not
 * multiples of the column block ({@link TiledMatmul#K_BLOCK}), and chunks split over threads.
 *
 * <p>Against {@link ScalarBackend} the tolerance is {@link VectorBackendTest}'s: both sides multiply
 * the same decoded floats, so they differ only by summation order, at most {@code 2 gamma_n sum|w_i x_i|}
 * (gamma_n ~ n 2^-24). Beyond that, each output must equal, bit for bit, one FMA chain over the columns in
 * order, which is what makes results independent of threads, grouping and JIT state.
 */
class TiledMatmulTest {
    private static final int P = TiledMatmul.PANEL_ROWS;
    /** Odd counts 1..19 (1 is the decode path), plus multiples of the group and one past them. */
    private static final int[] TOKENS = {1, 2, 3, 5, 6, 7, 9, 11, 12, 13, 15, 17, 19, 20};
    private static final int[] ROWS = {1, P - 1, P + 1, 2 * P + 3};
    private static final int[] FLOAT_INS = {1, 7, TiledMatmul.K_BLOCK + 1, 2 * TiledMatmul.K_BLOCK + 88};
    /** Quantized rows are whole blocks: one, and nine (one column block and a 32-value tail). */
    private static final int[] BLOCK_INS = {32, 288};
    private static final int[] SUPER_BLOCK_INS = {256, 768};

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

    @ParameterizedTest(name = "{0}, {1} threads")
    @MethodSource("dev.jrwkv.tensor.VectorBackendTest#typesAndThreads")
    void edgeShapesMatchScalarBackend(DType type, int threads) {
        VectorBackend backend = threads == 1 ? one : three;
        SplittableRandom random = new SplittableRandom(1000 + type.ordinal() * 7L + threads);
        int[] ins = type.blockSize() == 256 ? SUPER_BLOCK_INS : type.isQuantized() ? BLOCK_INS : FLOAT_INS;
        for (int in : ins) {
            for (int out : ROWS) {
                Tensor w = VectorBackendTest.randomTensor(type, out, in, random);
                for (int tokens : TOKENS) VectorBackendTest.assertMatches(backend, w, tokens, random);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"F32", "F16", "Q8_0", "Q4_K"})
    void largeRowsMatchScalarBackend(DType type) {
        SplittableRandom random = new SplittableRandom(2000 + type.ordinal());
        int in = type.blockSize() == 256 ? 16 * 256 : 4128; // 16 column blocks, and for blocks of 32 a tail
        Tensor w = VectorBackendTest.randomTensor(type, P + 5, in, random);
        VectorBackendTest.assertMatches(three, w, 7, random);
        VectorBackendTest.assertMatches(one, w, 13, random);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"F32", "F16", "Q8_0", "Q5_1", "Q6_K"})
    void eachOutputIsOneFmaChainInColumnOrder(DType type) {
        SplittableRandom random = new SplittableRandom(3000 + type.ordinal());
        int in = type.blockSize() == 256 ? 512 : type.isQuantized() ? 544 : 517;
        int out = 2 * P + 7;
        int tokens = 11;
        Tensor w = VectorBackendTest.randomTensor(type, out, in, random);
        float[] x = new float[tokens * in];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextDouble(-1, 1);
        float[] y1 = new float[tokens * out];
        float[] y3 = new float[tokens * out];
        one.matmul(w, x, y1, tokens);
        three.matmul(w, x, y3, tokens);
        float[] row = new float[in];
        for (int o = 0; o < out; o++) {
            w.dequantizeRow(o, row);
            for (int t = 0; t < tokens; t++) {
                float expected = 0f;
                for (int i = 0; i < in; i++) expected = Math.fma(row[i], x[t * in + i], expected);
                int at = t * out + o;
                if (Float.floatToRawIntBits(y1[at]) != Float.floatToRawIntBits(expected)
                        || Float.floatToRawIntBits(y3[at]) != Float.floatToRawIntBits(expected)) {
                    fail("%s y[%d][%d]: 1 thread %s, 3 threads %s, FMA chain %s", w, t, o, y1[at], y3[at], expected);
                }
            }
        }
    }
}
