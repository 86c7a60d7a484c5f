package dev.jrwkv.tensor;

/**
 * Element types of stored tensors. Quantized types store blocks of {@link #blockSize()} elements
 * along a row in {@link #blockBytes()} bytes (ggml's block layouts).
 */
public enum DType {
    F32(1, 4),
    F16(1, 2),
    BF16(1, 2),
    /** fp16 d, 16 bytes of nibbles; value = (q - 8) * d. */
    Q4_0(32, 18),
    /** fp16 d, fp16 m, 16 bytes of nibbles; value = q * d + m. */
    Q4_1(32, 20),
    /** fp16 d, uint32 high bits, 16 bytes of nibbles; value = (q - 16) * d. */
    Q5_0(32, 22),
    /** fp16 d, fp16 m, uint32 high bits, 16 bytes of nibbles; value = q * d + m. */
    Q5_1(32, 24),
    /** fp16 d, 32 signed bytes; value = q * d. */
    Q8_0(32, 34),
    /** K-quant super-block of 256: fp16 d, fp16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles. */
    Q4_K(256, 144),
    /** K-quant super-block of 256: as Q4_K plus 32 bytes of fifth bits. */
    Q5_K(256, 176),
    /** K-quant super-block of 256: 128 bytes low nibbles, 64 bytes high 2 bits, 16 int8 scales, fp16 d. */
    Q6_K(256, 210);

    private final int blockSize;
    private final int blockBytes;

    DType(int blockSize, int blockBytes) {
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** Elements per block (1 for float types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block (bytes per element for float types). */
    public int blockBytes() {
        return blockBytes;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Bytes needed for {@code elements} elements, or -1 when they do not fill whole blocks. */
    public long byteSize(long elements) {
        if (elements < 0 || elements % blockSize != 0) return -1;
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }
}
