package dev.jrwkv.tensor;

/**
 * How ggml's C reference quantizers round {@code x * id + c}: compilers that contract the expression
 * into a fused multiply-add round once, others round the product and then the sum. The two differ on
 * exact ties (e.g. {@code x / d = -8.5} in Q5_0), so reproducing a given file byte for byte needs the
 * mode that made it; dequantized values differ by at most one quantization step.
 *
 * <pre>{@code
 * Q5_0Block.quantize(x, 0, block, 0, QuantRounding.SEPARATE);
 * }</pre>
 */
public enum QuantRounding {
    /** Multiply, round, add, round (what Java's {@code a * b + c} does). */
    SEPARATE,
    /** One rounding, as {@link Math#fma}. */
    FUSED;

    float multiplyAdd(float a, float b, float c) {
        return this == FUSED ? Math.fma(a, b, c) : a * b + c;
    }
}
