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

    /** Quantizes 32 floats into one block with separate multiply and add rounding. */
    public static void quantize(float[] x, int xOffset, MemorySegment dst, long offset) {
        quantize(x, xOffset, dst, offset, QuantRounding.SEPARATE);
    }

    /**
     * ggml's reference {@code quantize_row_q4_0}: d = max / -8 (max = the signed element of largest
     * magnitude), q = min(15, trunc(x / d + 8.5)).
     */
    public static void quantize(float[] x, int xOffset, MemorySegment dst, long offset, QuantRounding rounding) {
        float max = Q5_0Block.signedAbsMax(x, xOffset);
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        dst.set(LittleEndian.SHORT, offset, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) rounding.multiplyAdd(x[xOffset + j], id, 8.5f));
            int hi = Math.min(15, (int) rounding.multiplyAdd(x[xOffset + j + 16], id, 8.5f));
            dst.set(JAVA_BYTE, offset + 2 + j, (byte) (lo | (hi << 4)));
        }
    }
}
