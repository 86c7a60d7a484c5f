package dev.jrwkv.tensor;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/** ggml Q4_0: fp16 d, then 16 bytes; element j is the low nibble of qs[j], element j+16 the high nibble; x = (q - 8) d. */
public final class Q4_0Block {
    public static final int SIZE = 32;
    public static final int BYTES = 18;

    private Q4_0Block() {
    }

    public static void dequantize(MemorySegment src, long offset, float[] out, int outOffset) {
        float d = Float.float16ToFloat(src.get(LittleEndian.SHORT, offset));
        for (int j = 0; j < 16; j++) {
            int b = src.get(JAVA_BYTE, offset + 2 + j) & 0xFF;
            out[outOffset + j] = ((b & 0x0F) - 8) * d;
            out[outOffset + j + 16] = ((b >>> 4) - 8) * d;
        }
    }
}
