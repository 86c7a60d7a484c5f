package dev.jrwkv.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** ggml's reference quantizers: quantize → dequantize stays within the block's step; known blocks come out exactly. */
class QuantizerTest {

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"})
    void roundTripWithinHalfAStep(DType type) {
        Random rnd = new Random(42);
        int n = 32 * 200;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextGaussian() * (1 + i / 32 % 7));
        Tensor t = Tensor.encode("x", x, type, QuantRounding.SEPARATE, 200, 32);
        float[] back = t.toFloats();
        int levels = switch (type) {
            case Q4_0, Q4_1 -> 15;
            case Q5_0, Q5_1 -> 31;
            default -> 254;
        };
        double worst = 0;
        for (int b = 0; b < 200; b++) {
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                min = Math.min(min, x[b * 32 + j]);
                max = Math.max(max, x[b * 32 + j]);
            }
            double range = type == DType.Q4_1 || type == DType.Q5_1 ? max - min : 2 * Math.max(Math.abs(min), Math.abs(max));
            double step = range / levels;
            for (int j = 0; j < 32; j++) {
                double err = Math.abs(back[b * 32 + j] - x[b * 32 + j]) / step;
                worst = Math.max(worst, err);
            }
        }
        // half a step, plus one step where the symmetric types clip +max, plus fp16 rounding of d and m
        double bound = type == DType.Q4_1 || type == DType.Q5_1 || type == DType.Q8_0 ? 0.56 : 1.1;
        assertThat(worst).as(type + " worst error in steps").isLessThanOrEqualTo(bound);
    }

    @Test
    void q8_0RoundsHalvesAwayFromZeroLikeCRoundf() {
        float[] x = new float[32];
        x[0] = 127f;            // d = 1, id = 1
        x[1] = -2.5f;
        x[2] = 2.5f;
        x[3] = -0.5f;
        MemorySegment b = Arena.ofAuto().allocate(Q8_0Block.BYTES);
        Q8_0Block.quantize(x, 0, b, 0);
        assertThat(b.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 2 + 1)).isEqualTo((byte) -3);
        assertThat(b.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 2 + 2)).isEqualTo((byte) 3);
        assertThat(b.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 2 + 3)).isEqualTo((byte) -1);
        assertThat(Float.float16ToFloat(b.get(LittleEndian.SHORT, 0))).isEqualTo(1f);
    }

    @Test
    void q4_0KnownBlock() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) x[j] = j - 16;   // max magnitude -16 → d = 2, q = trunc(x/2 + 8.5), clipped at 15
        MemorySegment b = Arena.ofAuto().allocate(Q4_0Block.BYTES);
        Q4_0Block.quantize(x, 0, b, 0);
        float[] out = new float[32];
        Q4_0Block.dequantize(b, 0, out, 0);
        assertThat(Float.float16ToFloat(b.get(LittleEndian.SHORT, 0))).isEqualTo(2f);
        for (int j = 0; j < 32; j++) {
            int q = Math.min(15, (int) ((j - 16) / 2f + 8.5f));
            assertThat(out[j]).as("element " + j).isEqualTo((q - 8) * 2f);
        }
    }

    @Test
    void fusedAndSeparateRoundingDifferOnlyOnTies() {
        // x * id + 16.5 where x * id is not exactly representable: the fused form rounds once
        float x = 0.1f, id = 3f;
        assertThat(QuantRounding.FUSED.multiplyAdd(x, id, 16.5f)).isEqualTo(Math.fma(x, id, 16.5f));
        assertThat(QuantRounding.SEPARATE.multiplyAdd(x, id, 16.5f)).isEqualTo(x * id + 16.5f);
    }

    @Test
    void minIgnoresNegativeZero() {
        float[] x = new float[32];
        x[5] = -0.0f;
        x[6] = 1f;
        MemorySegment b = Arena.ofAuto().allocate(Q5_1Block.BYTES);
        Q5_1Block.quantize(x, 0, b, 0);
        assertThat(b.get(LittleEndian.SHORT, 2)).as("m = +0.0 as ggml's `v < min` keeps it").isEqualTo((short) 0);
    }
}
