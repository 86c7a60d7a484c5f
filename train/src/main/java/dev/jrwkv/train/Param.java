package dev.jrwkv.train;

import java.util.Arrays;

/**
 * One named parameter (or its gradient, or an optimizer moment) as a flat float array with its
 * official name and shape, e.g. {@code blocks.0.att.w1 [C, D]}.
 */
public record Param(String name, int[] shape, float[] data) {

    public Param {
        shape = shape.clone();
        long n = 1;
        for (int d : shape) n *= d;
        if (n != data.length) throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " needs " + n + " floats, got " + data.length);
    }

    public static Param zeros(String name, int... shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return new Param(name, shape, new float[Math.toIntExact(n)]);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int size() {
        return data.length;
    }

    /** True for the large 2-D {@code .weight} matrices: the official recipe's weight-decay group. */
    public boolean isMatrixWeight() {
        int dims = 0;
        for (int d : shape) if (d > 1) dims++;
        return dims >= 2 && name.contains(".weight");
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(shape);
    }
}
