package dev.jrwkv.tensor;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * ggml Q5_0: fp16 d, uint32 qh, 16 bytes qs. Element j (0..15) = low nibble of qs[j] plus bit j of qh
 * as bit 4; element j+16 = high nibble of qs[j] plus bit j+16 of qh; x = (q - 16) d.
 */
public final class Q5_0Block {
    public static final int SIZE = 32;
    public static final int BYTES = 22;

    private Q5_0Block() {
    }

    public static void dequantize(MemorySegment src, long offset, float[] out, int outOffset) {
        float d = Float.float16ToFloat(src.get(LittleEndian.SHORT, offset));
        int qh = src.get(LittleEndian.INT, offset + 2);
        for (int j = 0; j < 16; j++) {
            int b = src.get(JAVA_BYTE, offset + 6 + j) & 0xFF;
            int lo = (b & 0x0F) | (((qh >>> j) & 1) << 4);
            int hi = (b >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
            out[outOffset + j] = (lo - 16) * d;
            out[outOffset + j + 16] = (hi - 16) * d;
        }
    }
}
