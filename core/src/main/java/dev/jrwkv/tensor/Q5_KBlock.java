package dev.jrwkv.tensor;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * ggml Q5_K: a super-block of 256 elements in 176 bytes: fp16 {@code d}, fp16 {@code dmin}, 12 bytes
 * of 6-bit scales and mins (packed as in {@link Q4_KBlock}), 32 bytes {@code qh}, 128 bytes of
 * nibbles. Sub-block {@code s} (0..7) takes its fifth bit from bit {@code s} of {@code qh[l]}.
 * x = (d * scale) * q - (dmin * min).
 */
public final class Q5_KBlock {
    public static final int SIZE = 256;
    public static final int BYTES = 176;

    private Q5_KBlock() {
    }

    public static void dequantize(MemorySegment src, long offset, float[] out, int outOffset) {
        float d = Float.float16ToFloat(src.get(LittleEndian.SHORT, offset));
        float dmin = Float.float16ToFloat(src.get(LittleEndian.SHORT, offset + 2));
        long scales = offset + 4;
        long qh = offset + 16;
        long qs = offset + 48;
        int o = outOffset;
        for (int pair = 0; pair < 4; pair++) {
            int sub = 2 * pair;
            float d1 = d * Q4_KBlock.scale(src, scales, sub), m1 = dmin * Q4_KBlock.min(src, scales, sub);
            float d2 = d * Q4_KBlock.scale(src, scales, sub + 1), m2 = dmin * Q4_KBlock.min(src, scales, sub + 1);
            long q = qs + 32L * pair;
            for (int l = 0; l < 32; l++) {
                int h = src.get(JAVA_BYTE, qh + l) & 0xFF;
                int b = src.get(JAVA_BYTE, q + l) & 0xFF;
                out[o + l] = d1 * ((b & 0x0F) | (((h >>> sub) & 1) << 4)) - m1;
                out[o + 32 + l] = d2 * ((b >>> 4) | (((h >>> (sub + 1)) & 1) << 4)) - m2;
            }
            o += 64;
        }
    }
}
