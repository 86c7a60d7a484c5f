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

    /** Quantizes 32 floats into one block with separate multiply and add rounding. */
    public static void quantize(float[] x, int xOffset, MemorySegment dst, long offset) {
        quantize(x, xOffset, dst, offset, QuantRounding.SEPARATE);
    }

    /** ggml's reference {@code quantize_row_q4_1}: d = (max - min) / 15, m = min, q = min(15, trunc((x - min) / d + 0.5)). */
    public static void quantize(float[] x, int xOffset, MemorySegment dst, long offset, QuantRounding rounding) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xOffset + j];
            if (v < min) min = v;   // plain comparisons, not Math.min: -0.0 must not replace 0.0
            if (v > max) max = v;
        }
        float d = (max - min) / 15f;
        float id = d != 0f ? 1f / d : 0f;
        dst.set(LittleEndian.SHORT, offset, Float.floatToFloat16(d));
        dst.set(LittleEndian.SHORT, offset + 2, Float.floatToFloat16(min));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) rounding.multiplyAdd(x[xOffset + j] - min, id, 0.5f));
            int hi = Math.min(15, (int) rounding.multiplyAdd(x[xOffset + j + 16] - min, id, 0.5f));
            dst.set(JAVA_BYTE, offset + 4 + j, (byte) (lo | (hi << 4)));
        }
    }
}
