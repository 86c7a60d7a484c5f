package dev.jrwkv.tensor.vector;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link VectorMath} against {@link Math}'s double-precision functions rounded to float, measured in
 * ulps of the exact result, over a dense sweep of the whole useful range (and beyond, where the
 * results saturate). Measured maxima (printed): exp 1.15 ulp, sigmoid 2.19 ulp, tanh 2.48 ulp; bounds
 * 1.5, 2.5 and 3 ulp (a correctly rounded function would show 0.5).
 */
class VectorMathTest {

    /** Every float in [lo, hi] spaced by about (hi - lo) / count, plus random ones, plus edge cases. */
    private static float[] sweep(float lo, float hi, int count) {
        float[] x = new float[2 * count + 9];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < count; i++) {
            x[i] = lo + (hi - lo) * i / (count - 1);
            x[count + i] = (float) rnd.nextDouble(lo, hi);
        }
        float[] edge = {0f, -0f, 1e-30f, -1e-30f, Float.MIN_VALUE, 1e-7f, -1e-7f, 0.34657359f, -0.34657359f};
        System.arraycopy(edge, 0, x, 2 * count, edge.length);
        return x;
    }

    /** Largest |got - exact| in ulps of the exact float result (normal results only). */
    private static double maxUlps(float[] x, float[] got, DoubleUnaryOperator exact) {
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double e = exact.applyAsDouble(x[i]);
            float ef = (float) e;
            if (Math.abs(ef) < Float.MIN_NORMAL || Float.isInfinite(ef)) continue;
            worst = Math.max(worst, Math.abs(got[i] - e) / Math.ulp(ef));
        }
        return worst;
    }

    private static float[] apply(float[] x, java.util.function.Consumer<float[]> f) {
        float[] y = x.clone();
        f.accept(y);
        return y;
    }

    @Test
    void expWithinOneAndAHalfUlps() {
        float[] x = sweep(-87.3f, 88.7f, 400_000);
        float[] y = apply(x, VectorMath::exp);
        double ulps = maxUlps(x, y, Math::exp);
        System.out.println("VectorMath.exp max error " + ulps + " ulp");
        assertThat(ulps).isLessThanOrEqualTo(1.5);
    }

    @Test
    void expSaturatesAndKeepsSubnormals() {
        float[] x = {-1000f, -104f, -100f, -90f, 88.72f, 88.73f, 89f, 1000f,
                Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN};
        float[] y = apply(x, VectorMath::exp);
        assertThat(y[0]).isEqualTo(0f);
        assertThat(y[1]).isEqualTo(0f);
        assertThat(y[2]).isCloseTo((float) Math.exp(-100), org.assertj.core.data.Offset.offset(Float.MIN_VALUE * 2));
        assertThat(y[3]).isCloseTo((float) Math.exp(-90), org.assertj.core.data.Offset.offset(Float.MIN_VALUE * 2));
        assertThat(y[4]).isEqualTo((float) Math.exp(88.72f), org.assertj.core.data.Offset.offset(Math.ulp((float) Math.exp(88.72f))));
        assertThat(y[5]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(y[6]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(y[7]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(y[8]).isEqualTo(0f);
        assertThat(y[9]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(y[10]).isNaN();
    }

    @Test
    void sigmoidWithinTwoAndAHalfUlps() {
        float[] x = sweep(-100f, 100f, 400_000);
        float[] y = apply(x, VectorMath::sigmoid);
        double ulps = maxUlps(x, y, t -> 1 / (1 + Math.exp(-t)));
        System.out.println("VectorMath.sigmoid max error " + ulps + " ulp");
        assertThat(ulps).isLessThanOrEqualTo(2.5);
        float[] ends = apply(new float[] {-1e4f, 1e4f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}, VectorMath::sigmoid);
        assertThat(ends).containsExactly(0f, 1f, 0f, 1f);
    }

    @Test
    void tanhWithinThreeUlps() {
        float[] x = sweep(-12f, 12f, 400_000);
        float[] small = sweep(-1e-3f, 1e-3f, 20_000);
        float[] y = apply(x, VectorMath::tanh), ys = apply(small, VectorMath::tanh);
        double ulps = Math.max(maxUlps(x, y, Math::tanh), maxUlps(small, ys, Math::tanh));
        System.out.println("VectorMath.tanh max error " + ulps + " ulp");
        assertThat(ulps).isLessThanOrEqualTo(3.0);
        float[] ends = apply(new float[] {-1e4f, 1e4f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0f}, VectorMath::tanh);
        assertThat(ends).containsExactly(-1f, 1f, -1f, 1f, 0f);
    }

    @Test
    void vectorLanesAndScalarTailGiveTheSameBits() {
        // the same input at every position of arrays of every length: lane or tail, the bits agree
        float[] values = sweep(-30f, 30f, 5_000);
        for (int len = 1; len <= 37; len++) {
            for (int i = 0; i < values.length; i += 97) {
                float[] x = new float[len];
                java.util.Arrays.fill(x, values[i]);
                float[] e = apply(x, VectorMath::exp), s = apply(x, VectorMath::sigmoid), t = apply(x, VectorMath::tanh);
                for (int j = 0; j < len; j++) {
                    assertThat(e[j]).isEqualTo(VectorMath.exp(values[i]));
                    assertThat(s[j]).isEqualTo(VectorMath.sigmoid(values[i]));
                    assertThat(t[j]).isEqualTo(VectorMath.tanh(values[i]));
                }
            }
        }
    }
}
