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
}
