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

    /** ggml's reference {@code quantize_row_q8_0}: d = max|x| / 127, q = roundf(x / d) (half away from zero). */
    public static void quantize(float[] x, int xOffset, MemorySegment dst, long offset) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[xOffset + j]));
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        dst.set(LittleEndian.SHORT, offset, Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) {
            float v = x[xOffset + j] * id;
            dst.set(JAVA_BYTE, offset + 2 + j, (byte) (int) Math.copySign(Math.floor(Math.abs(v) + 0.5), v));
        }
    }
}
