package dev.jrwkv.tensor;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * ggml Q4_K: a super-block of 256 elements in 144 bytes: fp16 {@code d}, fp16 {@code dmin}, 12 bytes
 * packing eight 6-bit scales and eight 6-bit mins (one pair per sub-block of 32), then 128 bytes of
 * nibbles. Sub-blocks go in pairs over 32 bytes: the first of the pair takes the low nibbles, the
 * second the high ones. x = (d * scale) * q - (dmin * min).
 */
public final class Q4_KBlock {
    public static final int SIZE = 256;
    public static final int BYTES = 144;

    private Q4_KBlock() {
    }

    public static void dequantize(MemorySegment src, long offset, float[] out, int outOffset) {
        float d = Float.float16ToFloat(src.get(LittleEndian.SHORT, offset));
        float dmin = Float.float16ToFloat(src.get(LittleEndian.SHORT, offset + 2));
        long scales = offset + 4;
        long qs = offset + 16;
        int o = outOffset;
        for (int pair = 0; pair < 4; pair++) {
            int sub = 2 * pair;
            float d1 = d * scale(src, scales, sub), m1 = dmin * min(src, scales, sub);
            float d2 = d * scale(src, scales, sub + 1), m2 = dmin * min(src, scales, sub + 1);
            long q = qs + 32L * pair;
            for (int l = 0; l < 32; l++) out[o + l] = d1 * (src.get(JAVA_BYTE, q + l) & 0x0F) - m1;
            for (int l = 0; l < 32; l++) out[o + 32 + l] = d2 * ((src.get(JAVA_BYTE, q + l) & 0xFF) >>> 4) - m2;
            o += 64;
        }
    }

    /**
     * The 6-bit scale of sub-block {@code j} (0..7) from the 12 packed bytes: sub-blocks 0..3 keep
     * theirs in the low 6 bits of bytes 0..3; 4..7 in the low nibble of bytes 8..11 plus the top two
     * bits of bytes 0..3. (Shared by Q4_K and Q5_K.)
     */
    static int scale(MemorySegment src, long scales, int j) {
        if (j < 4) return u8(src, scales + j) & 63;
        return (u8(src, scales + j + 4) & 0x0F) | ((u8(src, scales + j - 4) >>> 6) << 4);
    }

    /** The 6-bit min of sub-block {@code j}: bytes 4..7 for 0..3; high nibble of 8..11 plus top bits of 4..7. */
    static int min(MemorySegment src, long scales, int j) {
        if (j < 4) return u8(src, scales + j + 4) & 63;
        return (u8(src, scales + j + 4) >>> 4) | ((u8(src, scales + j) >>> 6) << 4);
    }

    private static int u8(MemorySegment src, long at) {
        return src.get(JAVA_BYTE, at) & 0xFF;
    }
}
