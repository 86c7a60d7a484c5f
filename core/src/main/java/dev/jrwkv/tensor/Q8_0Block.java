package dev.jrwkv.tensor;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/** ggml Q8_0: fp16 d, then 32 signed bytes; x = q d. */
public final class Q8_0Block {
    public static final int SIZE = 32;
    public static final int BYTES = 34;

    private Q8_0Block() {
    }

    public static void dequantize(MemorySegment src, long offset, float[] out, int outOffset) {
        float d = Float.float16ToFloat(src.get(LittleEndian.SHORT, offset));
        for (int j = 0; j < 32; j++) {
            out[outOffset + j] = src.get(JAVA_BYTE, offset + 2 + j) * d;
        }
    }
}
