package dev.jrwkv.tensor;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/** ggml Q5_1: fp16 d, fp16 m, uint32 qh, 16 bytes qs (bits as in Q5_0); x = q d + m. */
public final class Q5_1Block {
    public static final int SIZE = 32;
    public static final int BYTES = 24;

    private Q5_1Block() {
    }

    public static void dequantize(MemorySegment src, long offset, float[] out, int outOffset) {
        float d = Float.float16ToFloat(src.get(LittleEndian.SHORT, offset));
        float m = Float.float16ToFloat(src.get(LittleEndian.SHORT, offset + 2));
        int qh = src.get(LittleEndian.INT, offset + 4);
        for (int j = 0; j < 16; j++) {
            int b = src.get(JAVA_BYTE, offset + 8 + j) & 0xFF;
            int lo = (b & 0x0F) | (((qh >>> j) & 1) << 4);
            int hi = (b >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
            out[outOffset + j] = lo * d + m;
            out[outOffset + j + 16] = hi * d + m;
        }
    }

    /** Quantizes 32 floats into one block with separate multiply and add rounding. */
    public static void quantize(float[] x, int xOffset, MemorySegment dst, long offset) {
        quantize(x, xOffset, dst, offset, QuantRounding.SEPARATE);
    }

    /** ggml's reference {@code quantize_row_q5_1}: d = (max - min) / 31, m = min, q = trunc((x - min) / d + 0.5). */
    public static void quantize(float[] x, int xOffset, MemorySegment dst, long offset, QuantRounding rounding) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xOffset + j];
            if (v < min) min = v;   // plain comparisons, not Math.min: -0.0 must not replace 0.0
            if (v > max) max = v;
        }
        float d = (max - min) / 31f;
        float id = d != 0f ? 1f / d : 0f;
        dst.set(LittleEndian.SHORT, offset, Float.floatToFloat16(d));
        dst.set(LittleEndian.SHORT, offset + 2, Float.floatToFloat16(min));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int lo = (int) rounding.multiplyAdd(x[xOffset + j] - min, id, 0.5f);
            int hi = (int) rounding.multiplyAdd(x[xOffset + j + 16] - min, id, 0.5f);
            dst.set(JAVA_BYTE, offset + 8 + j, (byte) ((lo & 0x0F) | ((hi & 0x0F) << 4)));
            qh |= ((lo >>> 4) & 1) << j;
            qh |= ((hi >>> 4) & 1) << (j + 16);
        }
        dst.set(LittleEndian.INT, offset + 4, qh);
    }
}
