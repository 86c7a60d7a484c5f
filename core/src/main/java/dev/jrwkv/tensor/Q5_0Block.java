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

    /** Quantizes 32 floats into one block with separate multiply and add rounding. */
    public static void quantize(float[] x, int xOffset, MemorySegment dst, long offset) {
        quantize(x, xOffset, dst, offset, QuantRounding.SEPARATE);
    }

    /**
     * ggml's reference {@code quantize_row_q5_0}: d = max / -16 (max = the signed element of largest
     * magnitude), q = min(31, trunc(x / d + 16.5)); bit 4 of element j goes to bit j of qh.
     */
    public static void quantize(float[] x, int xOffset, MemorySegment dst, long offset, QuantRounding rounding) {
        float max = signedAbsMax(x, xOffset);
        float d = max / -16f;
        float id = d != 0f ? 1f / d : 0f;
        dst.set(LittleEndian.SHORT, offset, Float.floatToFloat16(d));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(31, (int) rounding.multiplyAdd(x[xOffset + j], id, 16.5f));
            int hi = Math.min(31, (int) rounding.multiplyAdd(x[xOffset + j + 16], id, 16.5f));
            dst.set(JAVA_BYTE, offset + 6 + j, (byte) ((lo & 0x0F) | ((hi & 0x0F) << 4)));
            qh |= ((lo >>> 4) & 1) << j;
            qh |= ((hi >>> 4) & 1) << (j + 16);
        }
        dst.set(LittleEndian.INT, offset + 2, qh);
    }

    /** The element of largest magnitude, keeping its sign (the first one on ties), as ggml's reference does. */
    static float signedAbsMax(float[] x, int off) {
        float amax = 0f, max = 0f;
        for (int j = 0; j < 32; j++) {
            float v = x[off + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }
}
