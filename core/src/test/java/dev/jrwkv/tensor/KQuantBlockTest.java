package dev.jrwkv.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * K-quant super-blocks built here from known scales, mins and quants (packed as ggml-common.h
 * describes), then dequantized: every element must equal the formula exactly.
 */
class KQuantBlockTest {
    private static final int[] SC = {1, 2, 3, 63, 17, 33, 48, 5};   // > 15 for sub-blocks 4..7 exercises the split high bits
    private static final int[] MN = {0, 1, 62, 3, 20, 40, 7, 63};

    /** The 12 bytes holding eight 6-bit scales and mins. */
    private static void packScalesMins(MemorySegment b, long at) {
        for (int j = 0; j < 4; j++) {
            b.set(JAVA_BYTE, at + j, (byte) ((SC[j] & 63) | ((SC[j + 4] >> 4) << 6)));
            b.set(JAVA_BYTE, at + j + 4, (byte) ((MN[j] & 63) | ((MN[j + 4] >> 4) << 6)));
            b.set(JAVA_BYTE, at + j + 8, (byte) ((SC[j + 4] & 0xF) | ((MN[j + 4] & 0xF) << 4)));
        }
    }

    /** Sets the 4-bit value of element e (0..255) in qs: pairs of sub-blocks share 32 bytes, low nibble first. */
    private static void setNibble(MemorySegment b, long qs, int e, int q) {
        int pair = e / 64, within = e % 64;
        long at = qs + 32L * pair + within % 32;
        int old = b.get(JAVA_BYTE, at) & 0xFF;
        b.set(JAVA_BYTE, at, (byte) (within < 32 ? (old & 0xF0) | q : (old & 0x0F) | (q << 4)));
    }

    @Test
    void q4K() {
        MemorySegment b = Arena.ofAuto().allocate(Q4_KBlock.BYTES);
        float d = 0.5f, dmin = 0.25f;
        b.set(LittleEndian.SHORT, 0, Float.floatToFloat16(d));
        b.set(LittleEndian.SHORT, 2, Float.floatToFloat16(dmin));
        packScalesMins(b, 4);
        for (int e = 0; e < 256; e++) setNibble(b, 16, e, (e * 7) % 16);
        float[] out = new float[256];
        Q4_KBlock.dequantize(b, 0, out, 0);
        for (int e = 0; e < 256; e++) {
            int s = e / 32;
            assertThat(out[e]).as("element " + e).isEqualTo(d * SC[s] * ((e * 7) % 16) - dmin * MN[s]);
        }
        assertThat(out[200]).isEqualTo(190.25f);                   // sub 6: 0.5*48*8 - 0.25*7
        assertThat(out[0]).isEqualTo(0f);
    }

    @Test
    void q5K() {
        MemorySegment b = Arena.ofAuto().allocate(Q5_KBlock.BYTES);
        float d = 0.25f, dmin = 1f;
        b.set(LittleEndian.SHORT, 0, Float.floatToFloat16(d));
        b.set(LittleEndian.SHORT, 2, Float.floatToFloat16(dmin));
        packScalesMins(b, 4);
        for (int e = 0; e < 256; e++) {
            int q = (e * 11) % 32;
            setNibble(b, 48, e, q & 0xF);
            long qh = 16 + e % 32;                                 // fifth bit of sub-block s in bit s of qh[l]
            b.set(JAVA_BYTE, qh, (byte) ((b.get(JAVA_BYTE, qh) & 0xFF) | ((q >> 4) << (e / 32))));
        }
        float[] out = new float[256];
        Q5_KBlock.dequantize(b, 0, out, 0);
        for (int e = 0; e < 256; e++) {
            int s = e / 32;
            assertThat(out[e]).as("element " + e).isEqualTo(d * SC[s] * ((e * 11) % 32) - dmin * MN[s]);
        }
        assertThat(out[255]).isEqualTo(-36.75f);                   // sub 7: 0.25*5*21 - 1*63
    }

    @Test
    void q6K() {
        MemorySegment b = Arena.ofAuto().allocate(Q6_KBlock.BYTES);
        byte[] sc = {1, -2, 3, -4, 5, 127, -128, 8, 9, 10, -11, 12, 13, -14, 15, 16};
        float d = 0.125f;
        for (int i = 0; i < 16; i++) b.set(JAVA_BYTE, 192 + i, sc[i]);
        b.set(LittleEndian.SHORT, 208, Float.floatToFloat16(d));
        for (int e = 0; e < 256; e++) {
            int q = (e * 13) % 64;
            int half = e / 128, r = e % 128, l = r % 32, quarter = r / 32;
            long ql = 64L * half + l + (quarter % 2 == 1 ? 32 : 0);
            int old = b.get(JAVA_BYTE, ql) & 0xFF;
            b.set(JAVA_BYTE, ql, (byte) (quarter < 2 ? (old & 0xF0) | (q & 0xF) : (old & 0x0F) | ((q & 0xF) << 4)));
            long qh = 128 + 32L * half + l;
            b.set(JAVA_BYTE, qh, (byte) ((b.get(JAVA_BYTE, qh) & 0xFF) | ((q >> 4) << (2 * quarter))));
        }
        float[] out = new float[256];
        Q6_KBlock.dequantize(b, 0, out, 0);
        for (int e = 0; e < 256; e++) {
            int half = e / 128, r = e % 128, l = r % 32, quarter = r / 32;
            int s = sc[8 * half + l / 16 + 2 * quarter];
            assertThat(out[e]).as("element " + e).isEqualTo(d * s * ((e * 13) % 64 - 32));
        }
        assertThat(out[80]).isEqualTo(-254f);                      // quarter 2, l 16: scale sc[l/16 + 4] = 127, q = 16 - 32
    }

    @Test
    void tensorDequantizesKQuantRowsAndRejectsShortRows() {
        MemorySegment seg = Arena.ofAuto().allocate(2L * Q6_KBlock.BYTES);
        seg.set(LittleEndian.SHORT, 208, Float.floatToFloat16(1f));
        seg.set(JAVA_BYTE, 192, (byte) 1);
        Tensor t = new Tensor("k", DType.Q6_K, new long[] {2, 256}, seg);
        float[] row = new float[256];
        t.dequantizeRow(0, row);
        assertThat(row[0]).isEqualTo(-32f);
        assertThat(DType.Q4_K.byteSize(512)).isEqualTo(288);
        assertThat(DType.Q5_K.byteSize(100)).isEqualTo(-1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Tensor("k", DType.Q4_K, new long[] {2, 128}, Arena.ofAuto().allocate(144)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 256");
    }
}
