package dev.jrwkv.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import dev.jrwkv.tensor.vector.Wkv7;
import dev.jrwkv.tensor.vector.Wkv7Chunk;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The WKV-7 state update of one prefill slice of 128 tokens through all 12 heads of the 0.1B shape
 * (C = 768, N = 64), one thread: token by token ({@link Wkv7#step}, as {@code Rwkv7.timeMix} runs it)
 * against the chunked matrix form ({@link Wkv7Chunk}, for several chunk lengths). Time per slice, in
 * microseconds. Inputs shaped like a model's: w = exp(-0.606531 sigmoid(z)), |kk| = 1 per head, a in (0, 1).
 *
 * <pre>
 * mvn -B -q package -pl bench -am -DskipTests
 * java -jar bench/target/benchmarks.jar Wkv7ChunkBenchmark -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class Wkv7ChunkBenchmark {
    private static final int C = 768, H = 12, N = 64, T = 128;

    @Param({"8", "16", "32"})
    public int chunk;

    private float[] S, r, w, k, v, kk, a, y;

    @Setup
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(1);
        int n = T * C;
        S = new float[H * N * N];
        for (int i = 0; i < S.length; i++) S[i] = (float) rnd.nextDouble(-1, 1);
        r = new float[n];
        w = new float[n];
        k = new float[n];
        v = new float[n];
        kk = new float[n];
        a = new float[n];
        y = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = (float) rnd.nextDouble(-1, 1);
            w[i] = (float) Math.exp(-0.606531 / (1 + Math.exp(-rnd.nextDouble(-6, 6))));
            k[i] = (float) rnd.nextDouble(-1, 1);
            v[i] = (float) rnd.nextDouble(-1, 1);
            kk[i] = (float) rnd.nextDouble(-1, 1);
            a[i] = (float) (1 / (1 + Math.exp(-rnd.nextDouble(-6, 6))));
        }
        for (int base = 0; base < n; base += N) {
            double ss = 0;
            for (int j = 0; j < N; j++) ss += kk[base + j] * kk[base + j];
            for (int j = 0; j < N; j++) kk[base + j] /= (float) Math.sqrt(ss);
        }
    }

    /** Token by token, as the model runs decode (and ran prefill): the same for every chunk length. */
    @Benchmark
    public float[] recurrence() {
        for (int t = 0; t < T; t++) {
            for (int h = 0; h < H; h++) Wkv7.step(S, h * N * N, N, r, w, k, v, kk, a, t * C + h * N, y);
        }
        return y;
    }

    /** The chunked form, its scratch space made once per slice as the model would. */
    @Benchmark
    public float[] chunked() {
        Wkv7Chunk wkv = new Wkv7Chunk(N, chunk);
        for (int h = 0; h < H; h++) wkv.run(S, h * N * N, r, w, k, v, kk, a, h * N, C, T, y);
        return y;
    }
}
