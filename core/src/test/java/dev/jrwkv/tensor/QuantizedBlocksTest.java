package dev.jrwkv.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Dequantization of ggml blocks built by hand with known d, m and quants. Every scale here is an
 * exact fp16 value and every product exact in float32, so results are compared for equality.
 */
class QuantizedBlocksTest {
    private static MemorySegment block(int bytes) {
        return Arena.ofAuto().allocate(bytes);
    }

    private static void half(MemorySegment s, long at, float v) {
        assertThat(Float.float16ToFloat(Float.floatToFloat16(v))).as("test scale must be fp16-exact").isEqualTo(v);
        s.set(LittleEndian.SHORT, at, Float.floatToFloat16(v));
    }

    private static void bytes(MemorySegment s, long at, int[] b) {
        for (int i = 0; i < b.length; i++) s.set(ValueLayout.JAVA_BYTE, at + i, (byte) b[i]);
    }

    @Test
    void q4_0() {
        // qs[j] = j | (15 - j) << 4: element j has q = j, element j + 16 has q = 15 - j; x = (q - 8) * d
        MemorySegment s = block(Q4_0Block.BYTES);
        half(s, 0, 0.5f);
        int[] qs = new int[16];
        for (int j = 0; j < 16; j++) qs[j] = j | (15 - j) << 4;
        bytes(s, 2, qs);
        float[] out = new float[32];
        Q4_0Block.dequantize(s, 0, out, 0);
        assertThat(out).containsExactly(
                -4f, -3.5f, -3f, -2.5f, -2f, -1.5f, -1f, -0.5f, 0f, 0.5f, 1f, 1.5f, 2f, 2.5f, 3f, 3.5f,
                3.5f, 3f, 2.5f, 2f, 1.5f, 1f, 0.5f, 0f, -0.5f, -1f, -1.5f, -2f, -2.5f, -3f, -3.5f, -4f);
    }

    @Test
    void q4_1() {
        // d = 0.25, m = -1.5, all low nibbles 15, high nibbles j: x = q * d + m
        MemorySegment s = block(Q4_1Block.BYTES);
        half(s, 0, 0.25f);
        half(s, 2, -1.5f);
        int[] qs = new int[16];
        for (int j = 0; j < 16; j++) qs[j] = 15 | j << 4;
        bytes(s, 4, qs);
        float[] out = new float[32];
        Q4_1Block.dequantize(s, 0, out, 0);
        for (int j = 0; j < 16; j++) {
            assertThat(out[j]).as("element %d", j).isEqualTo(2.25f);            // 15 * 0.25 - 1.5
            assertThat(out[j + 16]).as("element %d", j + 16).isEqualTo(j * 0.25f - 1.5f);
        }
        assertThat(out[16]).isEqualTo(-1.5f);
        assertThat(out[31]).isEqualTo(2.25f);
    }

    @Test
    void q5_0() {
        // d = 2, qh = bit 0 and bit 31, qs[j] = j | j << 4; x = (q - 16) * d
        MemorySegment s = block(Q5_0Block.BYTES);
        half(s, 0, 2f);
        s.set(LittleEndian.INT, 2, 0x8000_0001);
        int[] qs = new int[16];
        for (int j = 0; j < 16; j++) qs[j] = j | j << 4;
        bytes(s, 6, qs);
        float[] out = new float[32];
        Q5_0Block.dequantize(s, 0, out, 0);
        assertThat(out[0]).isEqualTo(0f);      // q = 0 + 16 (bit 0)
        assertThat(out[1]).isEqualTo(-30f);    // q = 1
        assertThat(out[15]).isEqualTo(-2f);    // q = 15
        assertThat(out[16]).isEqualTo(-32f);   // q = 0, bit 16 clear
        assertThat(out[30]).isEqualTo(-4f);    // q = 14
        assertThat(out[31]).isEqualTo(30f);    // q = 15 + 16 (bit 31)
        for (int j = 2; j < 15; j++) assertThat(out[j]).isEqualTo((j - 16) * 2f);
    }

    @Test
    void q5_1() {
        // d = 0.5, m = 1, qh sets bit 4 of every high-half element; qs[j] = j | j << 4; x = q * d + m
        MemorySegment s = block(Q5_1Block.BYTES);
        half(s, 0, 0.5f);
        half(s, 2, 1f);
        s.set(LittleEndian.INT, 4, 0xFFFF_0000);
        int[] qs = new int[16];
        for (int j = 0; j < 16; j++) qs[j] = j | j << 4;
        bytes(s, 8, qs);
        float[] out = new float[32];
        Q5_1Block.dequantize(s, 0, out, 0);
        for (int j = 0; j < 16; j++) {
            assertThat(out[j]).isEqualTo(j * 0.5f + 1f);
            assertThat(out[j + 16]).isEqualTo((j + 16) * 0.5f + 1f);
        }
        assertThat(out[31]).isEqualTo(16.5f);
    }

    @Test
    void q8_0() {
        // d = 0.125, signed quants -128, 127 and j - 16
        MemorySegment s = block(Q8_0Block.BYTES);
        half(s, 0, 0.125f);
        int[] qs = new int[32];
        for (int j = 0; j < 32; j++) qs[j] = j - 16;
        qs[0] = -128;
        qs[31] = 127;
        bytes(s, 2, qs);
        float[] out = new float[32];
        Q8_0Block.dequantize(s, 0, out, 0);
        assertThat(out[0]).isEqualTo(-16f);
        assertThat(out[31]).isEqualTo(15.875f);
        for (int j = 1; j < 31; j++) assertThat(out[j]).isEqualTo((j - 16) * 0.125f);
    }

    @Test
    void tensorDequantizesRowsBlockByBlock() {
        // a [2, 64] Q8_0 tensor: 4 blocks, block b holds d = b + 1 and quants all equal to b - 1
        MemorySegment s = block(4 * Q8_0Block.BYTES);
        for (int b = 0; b < 4; b++) {
            half(s, (long) b * Q8_0Block.BYTES, b + 1);
            for (int j = 0; j < 32; j++) s.set(ValueLayout.JAVA_BYTE, (long) b * Q8_0Block.BYTES + 2 + j, (byte) (b - 1));
        }
        Tensor t = new Tensor("q", DType.Q8_0, new long[] {2, 64}, s);
        float[] row = new float[64];
        t.dequantizeRow(1, row);
        for (int j = 0; j < 32; j++) {
            assertThat(row[j]).isEqualTo(3f);       // block 2: (2 - 1) * 3
            assertThat(row[j + 32]).isEqualTo(8f);  // block 3: (3 - 1) * 4
        }
        float[] all = t.toFloats();
        assertThat(all[0]).isEqualTo(-1f);
        assertThat(all[32]).isZero();
        float[] part = new float[40];
        t.dequantize(32, 32, part, 8);
        assertThat(part[8]).isZero();
        assertThat(part[39]).isZero();
        assertThatThrownBy(() -> t.dequantize(16, 32, new float[32], 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block aligned");
    }

    @Test
    void tensorsOfEachTypeUseTheirBlockLayout() {
        // one zero-filled block per type with d = 1 (and m = 0): the offsets of q in each layout decide the result
        record Case(DType type, float expectedFirst) {
        }
        for (Case c : new Case[] {new Case(DType.Q4_0, -8), new Case(DType.Q4_1, 0), new Case(DType.Q5_0, -16),
                new Case(DType.Q5_1, 0), new Case(DType.Q8_0, 0)}) {
            MemorySegment s = block(c.type().blockBytes());
            half(s, 0, 1f);
            float[] out = new Tensor("t", c.type(), new long[] {32}, s).toFloats();
            assertThat(out).as(c.type().toString()).containsOnly(c.expectedFirst());
        }
    }
}
