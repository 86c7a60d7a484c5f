package dev.jrwkv.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import dev.jrwkv.tensor.vector.VectorMath;
import dev.jrwkv.tensor.vector.Wkv7;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The non-matmul work of one RWKV-7 time mix for one token, at the 0.1B shape (C = 768, 12 heads of 64):
 * the WKV-7 state update of every head ({@link Wkv7} against the plain scalar loop it replaced), and
 * the element-wise exponentials (sigmoid of a, v-gate, w, g; exp of the decay; tanh of the w LoRA) with
 * {@link VectorMath} against {@code Math.exp/tanh}. Time per call, in microseconds.
 *
 * <pre>
 * mvn -B -q package -pl bench -am -DskipTests
 * java -jar bench/target/benchmarks.jar TimeMixBenchmark -f 1 -wi 2 -i 3
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TimeMixBenchmark {
    private static final int C = 768, H = 12, N = 64, G = 128, W = 64;
    private static final float DECAY_SCALE = 0.606531f;

    private float[] S, r, w, k, v, kk, a, y;
    private float[] preA, preV, preW, preG, preW1;
    private float[] outA, outV, outW, outG, outW1;

    @Setup
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(1);
        S = random(rnd, H * N * N, -1, 1);
        r = random(rnd, C, -1, 1);
        w = random(rnd, C, 0.5, 1);
        k = random(rnd, C, -1, 1);
        v = random(rnd, C, -1, 1);
        kk = random(rnd, C, -0.125, 0.125);
        a = random(rnd, C, 0, 1);
        y = new float[C];
        preA = random(rnd, C, -4, 4);
        preV = random(rnd, C, -4, 4);
        preW = random(rnd, C, -4, 4);
        preG = random(rnd, G, -4, 4);
        preW1 = random(rnd, W, -4, 4);
        outA = new float[C];
        outV = new float[C];
        outW = new float[C];
        outG = new float[G];
        outW1 = new float[W];
    }

    private static float[] random(SplittableRandom rnd, int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextDouble(lo, hi);
        return x;
    }

    @Benchmark
    public float[] wkvVector() {
        for (int h = 0; h < H; h++) Wkv7.step(S, h * N * N, N, r, w, k, v, kk, a, h * N, y);
        return y;
    }

    /** The loop {@code Rwkv7.timeMix} ran before {@link Wkv7}. */
    @Benchmark
    public float[] wkvScalar() {
        for (int h = 0; h < H; h++) {
            int base = h * N, sh = h * N * N;
            for (int i = 0; i < N; i++) {
                int row = sh + i * N;
                float sa = 0f;
                for (int j = 0; j < N; j++) sa += S[row + j] * -kk[base + j];
                float vi = v[base + i], out = 0f;
                for (int j = 0; j < N; j++) {
                    float s = S[row + j] * w[base + j] + sa * (kk[base + j] * a[base + j]) + vi * k[base + j];
                    S[row + j] = s;
                    out += s * r[base + j];
                }
                y[base + i] = out;
            }
        }
        return y;
    }

    @Benchmark
    public float[] exponentialsVector() {
        System.arraycopy(preA, 0, outA, 0, C);
        System.arraycopy(preV, 0, outV, 0, C);
        System.arraycopy(preW, 0, outW, 0, C);
        System.arraycopy(preG, 0, outG, 0, G);
        System.arraycopy(preW1, 0, outW1, 0, W);
        VectorMath.tanh(outW1);
        VectorMath.sigmoid(outG);
        VectorMath.sigmoid(outA);
        VectorMath.sigmoid(outV);
        VectorMath.sigmoid(outW);
        for (int i = 0; i < C; i++) outW[i] *= -DECAY_SCALE;
        VectorMath.exp(outW);
        return outW;
    }

    /** The per-element {@code Math} calls {@code Rwkv7.timeMix} made before {@link VectorMath}. */
    @Benchmark
    public float[] exponentialsScalar() {
        for (int i = 0; i < W; i++) outW1[i] = (float) Math.tanh(preW1[i]);
        for (int i = 0; i < G; i++) outG[i] = sigmoid(preG[i]);
        for (int i = 0; i < C; i++) {
            outA[i] = sigmoid(preA[i]);
            outV[i] = sigmoid(preV[i]);
            outW[i] = (float) Math.exp(-DECAY_SCALE * sigmoid(preW[i]));
        }
        return outW;
    }

    private static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }
}
