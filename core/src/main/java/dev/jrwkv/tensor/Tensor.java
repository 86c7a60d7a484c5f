package dev.jrwkv.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named, typed, shaped view over bytes (usually a memory-mapped file). Shapes are in PyTorch
 * order: the last axis is the row (contiguous); a 2-D {@code [out, in]} tensor is a matrix whose
 * row {@code o} holds the weights of output {@code o}. Quantized blocks run along rows.
 *
 * <pre>{@code
 * Tensor t = Tensor.ofFloats("x", new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
 * float[] row = new float[3];
 * t.dequantizeRow(1, row); // {4, 5, 6}
 * }</pre>
 */
public final class Tensor {
    private final String name;
    private final DType type;
    private final long[] shape;
    private final MemorySegment data;
    private final long numel;
    /**
     * Whether every F16 value is finite, found out once by a kernel that has a faster conversion for
     * finite halves: 0 not known yet, 1 all finite, 2 some inf or NaN.
     */
    private volatile int halvesFinite;

    public Tensor(String name, DType type, long[] shape, MemorySegment data) {
        this.name = name;
        this.type = type;
        this.shape = shape.clone();
        this.data = data;
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException(name + ": negative dimension " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        this.numel = n;
        long need = type.byteSize(n);
        if (need < 0 || (shape.length > 0 && shape[shape.length - 1] % type.blockSize() != 0)) {
            throw new IllegalArgumentException(name + ": rows of " + type + " must be a multiple of " + type.blockSize()
                    + ", shape " + Arrays.toString(shape));
        }
        if (data.byteSize() != need) {
            throw new IllegalArgumentException(name + ": " + need + " bytes expected for " + type + " "
                    + Arrays.toString(shape) + ", got " + data.byteSize());
        }
    }

    int halvesFinite() {
        return halvesFinite;
    }

    void halvesFinite(boolean finite) {
        halvesFinite = finite ? 1 : 2;
    }

    /** An F32 tensor holding a copy of {@code values} (off-heap, little endian). */
    public static Tensor ofFloats(String name, float[] values, long... shape) {
        MemorySegment seg = Arena.ofAuto().allocate(4L * values.length, 64);
        for (int i = 0; i < values.length; i++) seg.setAtIndex(LittleEndian.FLOAT, i, values[i]);
        return new Tensor(name, DType.F32, shape, seg);
    }

    /**
     * A tensor of {@code type} holding {@code values} converted as ggml converts them: F16/BF16 round
     * to nearest even, quantized types use ggml's reference quantizers with {@code rounding}
     * (K-quants cannot be produced).
     *
     * <pre>{@code
     * Tensor q = Tensor.encode("w", values, DType.Q8_0, QuantRounding.SEPARATE, 4, 32);
     * }</pre>
     */
    public static Tensor encode(String name, float[] values, DType type, QuantRounding rounding, long... shape) {
        long bytes = type.byteSize(values.length);
        if (bytes < 0) throw new IllegalArgumentException(name + ": " + values.length + " values do not fill " + type + " blocks");
        MemorySegment seg = Arena.ofAuto().allocate(Math.max(1, bytes), 64).asSlice(0, bytes);
        int bs = type.blockSize();
        for (int i = 0; i < values.length / bs; i++) {
            long off = (long) i * type.blockBytes();
            int x = i * bs;
            switch (type) {
                case F32 -> seg.set(LittleEndian.FLOAT, off, values[x]);
                case F16 -> seg.set(LittleEndian.SHORT, off, Float.floatToFloat16(values[x]));
                case BF16 -> seg.set(LittleEndian.SHORT, off, toBFloat16(values[x]));
                case Q4_0 -> Q4_0Block.quantize(values, x, seg, off, rounding);
                case Q4_1 -> Q4_1Block.quantize(values, x, seg, off, rounding);
                case Q5_0 -> Q5_0Block.quantize(values, x, seg, off, rounding);
                case Q5_1 -> Q5_1Block.quantize(values, x, seg, off, rounding);
                case Q8_0 -> Q8_0Block.quantize(values, x, seg, off);
                default -> throw new IllegalArgumentException("cannot quantize to " + type);
            }
        }
        return new Tensor(name, type, shape, seg);
    }

    /** float32 to bfloat16, round to nearest even (NaN stays NaN). */
    public static short toBFloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** The same values under another name (the bytes are shared). */
    public Tensor rename(String newName) {
        return new Tensor(newName, type, shape, data);
    }

    public String name() {
        return name;
    }

    public DType type() {
        return type;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    public long numel() {
        return numel;
    }

    public MemorySegment data() {
        return data;
    }

    /** Elements in one row (the last axis; 1 for a scalar). */
    public long cols() {
        return shape.length == 0 ? 1 : shape[shape.length - 1];
    }

    /** Number of rows: all axes but the last, multiplied. */
    public long rows() {
        return cols() == 0 ? 0 : numel / cols();
    }

    /** Same bytes, another shape with the same element count (e.g. a squeeze). */
    public Tensor reshape(long... newShape) {
        return new Tensor(name, type, newShape, data);
    }

    /** Rows {@code [from, from + count)} along the first axis of the tensor, as a tensor of their own. */
    public Tensor slice(long from, long count) {
        long per = numel / shape[0];
        long bytes = type.byteSize(per);
        long[] s = shape.clone();
        s[0] = count;
        return new Tensor(name + "[" + from + ":" + (from + count) + "]", type, s, data.asSlice(from * bytes, count * bytes));
    }

    /** Decodes row {@code row} (of {@link #cols()} elements) into {@code out[0 .. cols)}. */
    public void dequantizeRow(long row, float[] out) {
        dequantize(row * cols(), (int) cols(), out, 0);
    }

    /** Decodes {@code count} elements starting at flat index {@code first} (block-aligned for quantized types). */
    public void dequantize(long first, int count, float[] out, int outOffset) {
        switch (type) {
            case F32 -> MemorySegment.copy(data, LittleEndian.FLOAT, first * 4, out, outOffset, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out[outOffset + i] = Float.float16ToFloat(data.get(LittleEndian.SHORT, (first + i) * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out[outOffset + i] = Float.intBitsToFloat(data.get(LittleEndian.SHORT, (first + i) * 2) << 16);
                }
            }
            default -> {
                int bs = type.blockSize();
                if (first % bs != 0 || count % bs != 0) {
                    throw new IllegalArgumentException(name + ": " + type + " reads must be block aligned");
                }
                dequantizeBlocks(type, data, first / bs * type.blockBytes(), count / bs, out, outOffset);
            }
        }
    }

    /**
     * Decodes {@code blocks} consecutive blocks of a quantized {@code type} starting at byte {@code offset}
     * of {@code src} into {@code out[outOffset ..]}: the one place that maps a type to its block decoder.
     */
    public static void dequantizeBlocks(DType type, MemorySegment src, long offset, int blocks, float[] out, int outOffset) {
        int bs = type.blockSize(), bytes = type.blockBytes();
        for (int b = 0; b < blocks; b++, offset += bytes, outOffset += bs) {
            switch (type) {
                case Q4_0 -> Q4_0Block.dequantize(src, offset, out, outOffset);
                case Q4_1 -> Q4_1Block.dequantize(src, offset, out, outOffset);
                case Q5_0 -> Q5_0Block.dequantize(src, offset, out, outOffset);
                case Q5_1 -> Q5_1Block.dequantize(src, offset, out, outOffset);
                case Q8_0 -> Q8_0Block.dequantize(src, offset, out, outOffset);
                case Q4_K -> Q4_KBlock.dequantize(src, offset, out, outOffset);
                case Q5_K -> Q5_KBlock.dequantize(src, offset, out, outOffset);
                case Q6_K -> Q6_KBlock.dequantize(src, offset, out, outOffset);
                default -> throw new IllegalArgumentException(type + " is not a block type");
            }
        }
    }

    /**
     * A float32 copy of this matrix with its two axes swapped, named {@code as}: how layouts that
     * store a matrix the other way round are presented under official shapes.
     *
     * <pre>{@code
     * Tensor.ofFloats("m", new float[] {1, 2, 3, 4, 5, 6}, 2, 3).transposed("m.T"); // [3, 2]: 1 4 2 5 3 6
     * }</pre>
     */
    public Tensor transposed(String as) {
        if (rank() != 2) throw new IllegalArgumentException(this + " is not a matrix");
        int rows = Math.toIntExact(dim(0)), cols = Math.toIntExact(dim(1));
        float[] v = toFloats(), tr = new float[v.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) tr[c * rows + r] = v[r * cols + c];
        return ofFloats(as, tr, cols, rows);
    }

    /** The whole tensor as float32 (for the small tensors: vectors, mixes, LoRA factors). */
    public float[] toFloats() {
        if (numel > Integer.MAX_VALUE - 8) throw new IllegalStateException(name + " is too large to copy");
        float[] out = new float[(int) numel];
        dequantize(0, (int) numel, out, 0);
        return out;
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
