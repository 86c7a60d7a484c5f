package dev.jrwkv.tensor.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums of the lanes of {@link FloatVector#SPECIES_PREFERRED} vectors in a fixed tree order (never
 * {@code reduceLanes}, whose order may change when the code is compiled), so that results are the
 * same from run to run: for one vector, and for four at once, which shares the shuffles.
 *
 * <pre>{@code
 * FloatVector s = LaneSums.sum4(a, b, c, d);
 * float sa = s.lane(0), sb = s.lane(LaneSums.SECOND), sc = s.lane(LaneSums.THIRD), sd = s.lane(LaneSums.FOURTH);
 * }</pre>
 */
public final class LaneSums {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** The lanes of {@link #sum4}'s result that hold the second, third and fourth sums (the first is in lane 0). */
    public static final int SECOND = L / 2, THIRD = L / 4, FOURTH = 3 * L / 4;
    /** XOR_d pairs lane i with lane i xor d (null where d >= L): folding by L/2, ..., 2, 1 leaves the lane sum in every lane. */
    private static final VectorShuffle<Float> XOR_32 = xor(32), XOR_16 = xor(16), XOR_8 = xor(8), XOR_4 = xor(4),
            XOR_2 = xor(2), XOR_1 = xor(1);
    /** For {@link #sum4}: lane i xor L/2 and xor L/4, and the lanes with those bits set. */
    private static final VectorShuffle<Float> XOR_HALF = L >= 4 ? xor(L / 2) : null, XOR_QUARTER = L >= 4 ? xor(L / 4) : null;
    private static final VectorMask<Float> HALF = L >= 4 ? VectorMask.fromLong(F, bitSet(L / 2)) : null;
    private static final VectorMask<Float> QUARTER = L >= 4 ? VectorMask.fromLong(F, bitSet(L / 4)) : null;

    private LaneSums() {
    }

    /** The lanes (as mask bits) whose index has bit d set. */
    private static long bitSet(int d) {
        long bits = 0;
        for (int i = 0; i < L; i++) if ((i & d) != 0) bits |= 1L << i;
        return bits;
    }

    private static VectorShuffle<Float> xor(int d) {
        return d < L ? VectorShuffle.fromOp(F, i -> i ^ d) : null;
    }

    /**
     * The lane sums of four vectors at once, in a fixed tree order: halves of A and B are folded into
     * one vector, likewise C and D, then quarters of those two; the remaining groups of L/4 lanes fold
     * in place. The sums land in lanes 0 (A), L/2 (B), L/4 (C) and 3L/4 (D). Needs L >= 4.
     */
    public static FloatVector sum4(FloatVector A, FloatVector B, FloatVector C, FloatVector D) {
        FloatVector ab = merge(A, B, XOR_HALF, HALF), cd = merge(C, D, XOR_HALF, HALF);
        FloatVector x = merge(ab, cd, XOR_QUARTER, QUARTER);
        if (L > 32) x = x.add(x.rearrange(XOR_8));
        if (L > 16) x = x.add(x.rearrange(XOR_4));
        if (L > 8) x = x.add(x.rearrange(XOR_2));
        if (L > 4) x = x.add(x.rearrange(XOR_1));
        return x;
    }

    /** Lanes outside {@code m}: {@code x[i] + x[swap(i)]}; lanes in {@code m}: {@code y[i] + y[swap(i)]}. */
    private static FloatVector merge(FloatVector x, FloatVector y, VectorShuffle<Float> swap, VectorMask<Float> m) {
        return x.blend(y, m).add(x.rearrange(swap).blend(y.rearrange(swap), m));
    }

    /** The sum of the lanes, in a fixed tree order. */
    public static float sum(FloatVector x) {
        // unrolled on constants (L is a constant once compiled), so the shuffles stay in registers
        if (L > 64) throw new UnsupportedOperationException("vectors of more than 64 floats");
        if (L > 32) x = x.add(x.rearrange(XOR_32));
        if (L > 16) x = x.add(x.rearrange(XOR_16));
        if (L > 8) x = x.add(x.rearrange(XOR_8));
        if (L > 4) x = x.add(x.rearrange(XOR_4));
        if (L > 2) x = x.add(x.rearrange(XOR_2));
        if (L > 1) x = x.add(x.rearrange(XOR_1));
        return x.lane(0);
    }
}
