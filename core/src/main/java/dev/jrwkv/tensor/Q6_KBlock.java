package dev.jrwkv.tensor;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * ggml Q6_K: a super-block of 256 elements in 210 bytes: 128 bytes {@code ql} (low 4 bits), 64 bytes
 * {@code qh} (high 2 bits), 16 signed 8-bit scales (one per 16 elements), fp16 {@code d}. Each half
 * of 128 elements uses 64 bytes of ql and 32 of qh: for l in 0..31, element l is the low nibble of
 * ql[l] with bits 0-1 of qh[l], l+32 the low nibble of ql[l+32] with bits 2-3, l+64 the high nibble
 * of ql[l] with bits 4-5, l+96 the high nibble of ql[l+32] with bits 6-7. x = (d * scale) * (q - 32).
 */
public final class Q6_KBlock {
    public static final int SIZE = 256;
    public static final int BYTES = 210;

    private Q6_KBlock() {
    }

    public static void dequantize(MemorySegment src, long offset, float[] out, int outOffset) {
        float d = Float.float16ToFloat(src.get(LittleEndian.SHORT, offset + 208));
        for (int half = 0; half < 2; half++) {
            long ql = offset + 64L * half;
            long qh = offset + 128 + 32L * half;
            long sc = offset + 192 + 8L * half;
            int o = outOffset + 128 * half;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int lo0 = src.get(JAVA_BYTE, ql + l) & 0xFF;
                int lo1 = src.get(JAVA_BYTE, ql + l + 32) & 0xFF;
                int h = src.get(JAVA_BYTE, qh + l) & 0xFF;
                int q1 = ((lo0 & 0x0F) | ((h & 3) << 4)) - 32;
                int q2 = ((lo1 & 0x0F) | (((h >>> 2) & 3) << 4)) - 32;
                int q3 = ((lo0 >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                int q4 = ((lo1 >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                out[o + l] = d * src.get(JAVA_BYTE, sc + is) * q1;
                out[o + l + 32] = d * src.get(JAVA_BYTE, sc + is + 2) * q2;
                out[o + l + 64] = d * src.get(JAVA_BYTE, sc + is + 4) * q3;
                out[o + l + 96] = d * src.get(JAVA_BYTE, sc + is + 6) * q4;
            }
        }
    }
}
