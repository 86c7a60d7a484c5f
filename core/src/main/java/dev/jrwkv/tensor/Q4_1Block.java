package dev.jrwkv.tensor;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/** ggml Q4_1: fp16 d, fp16 m, then 16 bytes of nibbles as in Q4_0; x = q d + m. */
public final class Q4_1Block {
    public static final int SIZE = 32;
    public static final int BYTES = 20;

    private Q4_1Block() {
    }

    public static void dequantize(MemorySegment src, long offset, float[] out, int outOffset) {
        float d = Float.float16ToFloat(src.get(LittleEndian.SHORT, offset));
        float m = Float.float16ToFloat(src.get(LittleEndian.SHORT, offset + 2));
        for (int j = 0; j < 16; j++) {
            int b = src.get(JAVA_BYTE, offset + 4 + j) & 0xFF;
            out[outOffset + j] = (b & 0x0F) * d + m;
            out[outOffset + j + 16] = (b >>> 4) * d + m;
        }
    }
}
