package dev.jrwkv.fuzz;

import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.LittleEndian;
import dev.jrwkv.tensor.QuantRounding;
import dev.jrwkv.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property: quantize then dequantize stays within each format's error bound, per element, for
 * random blocks (gaussian, uniform, all equal, one outlier, all zero; scales from 1e-2 to 1e3) and
 * both roundings. The bounds, from ggml's reference quantizers, with d (and m) as stored (fp16):
 * <ul>
 * <li>Q8_0: q = round(x / d), |x - x^| <= d/2;</li>
 * <li>Q4_1, Q5_1: q = round((x - m) / d) within [0, 15] / [0, 31], |x - x^| <= d/2;</li>
 * <li>Q4_0, Q5_0: d = max / -8 (-16) with max the element of largest magnitude, q = min(15 (31),
 *     trunc(x / d + 8.5 (16.5))): d/2 for every element except those of the sign opposite to max
 *     and magnitude above 7.5|d| (15.5|d|), which the clamp at the top code cuts to 7d (15d):
 *     |x - x^| <= |d| (reached by {-1, +1}: +1 comes back as 15/16 in Q5_0).</li>
 * </ul>
 * Plus what storing d and m in fp16 adds: d is rounded to 11 significant bits before use, so each
 * bound grows by |q_max| |d| 2^-11 (and |m| 2^-11 for m); and float arithmetic 1e-6 relative.
 */
class QuantizationBoundTest {
    private static final double FP16_REL = Math.scalb(1.0, -11);

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"})
    void errorWithinBound(DType type) {
        Random r = new Random(5 + type.ordinal());
        int blocks = 4000;
        for (QuantRounding rounding : QuantRounding.values()) {
            float[] x = new float[32 * blocks];
            for (int b = 0; b < blocks; b++) fill(r, x, b * 32, b % 5);
            Tensor q = Tensor.encode("q", x, type, rounding, blocks, 32);
            float[] back = q.toFloats();
            double worstRatio = 0;
            for (int b = 0; b < blocks; b++) {
                long off = (long) b * type.blockBytes();
                double d = Math.abs(Float.float16ToFloat(q.data().get(LittleEndian.SHORT, off)));
                double m = type == DType.Q4_1 || type == DType.Q5_1 ? Math.abs(Float.float16ToFloat(q.data().get(LittleEndian.SHORT, off + 2))) : 0;
                double bound = switch (type) {
                    case Q8_0 -> d / 2 + 127 * d * FP16_REL;
                    case Q4_1 -> d / 2 + 15 * d * FP16_REL + m * FP16_REL;
                    case Q5_1 -> d / 2 + 31 * d * FP16_REL + m * FP16_REL;
                    case Q4_0 -> d + 8 * d * FP16_REL;
                    case Q5_0 -> d + 16 * d * FP16_REL;
                    default -> throw new IllegalStateException();
                };
                for (int j = 0; j < 32; j++) {
                    int i = b * 32 + j;
                    double err = Math.abs(x[i] - back[i]);
                    double allowed = bound + 1e-6 * Math.abs(x[i]) + 1e-30;
                    assertThat(err).as("%s %s block %d element %d: x=%s, x^=%s, d=%s, m=%s", type, rounding, b, j, x[i], back[i], d, m)
                            .isLessThanOrEqualTo(allowed);
                    if (d > 0) worstRatio = Math.max(worstRatio, err / d);
                }
            }
            // the bound is tight: some element comes close to it (d/2 for the rounding types, d for the clamped ones)
            double tight = type == DType.Q4_0 || type == DType.Q5_0 ? 0.9 : 0.45;
            assertThat(worstRatio).as("%s %s worst |x - x^| / d", type, rounding).isGreaterThan(tight);
        }
    }

    private static void fill(Random r, float[] x, int off, int kind) {
        double scale = Math.pow(10, -2 + 5 * r.nextDouble());
        for (int j = 0; j < 32; j++) {
            x[off + j] = (float) switch (kind) {
                case 0 -> r.nextGaussian() * scale;
                case 1 -> (r.nextDouble() * 2 - 1) * scale;
                case 2 -> scale;
                case 3 -> j == 7 ? 40 * scale : r.nextGaussian() * scale;
                default -> j % 2 == 0 ? -scale : scale; // the clamp case: {-s, +s, ...}
            };
        }
        if (kind == 4 && r.nextBoolean()) java.util.Arrays.fill(x, off, off + 32, 0f);
    }

}
