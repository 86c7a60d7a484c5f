package dev.jrwkv.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import dev.jrwkv.tensor.Backend;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Prefill matrix product {@code y[t] = W x[t]} for a block of tokens ({@code W} is {@code out x in}), per stored
 * type and backend. Besides ops/s, JMH reports {@code flops} (2 out in tokens per call: divide by 1e9 for GFLOP/s).
 *
 * <pre>
 * mvn -B -q package -pl bench -am -DskipTests
 * java -jar bench/target/benchmarks.jar MatmulBenchmark -f 1 -wi 2 -i 3
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MatmulBenchmark {

    @Param({"F32", "F16", "Q8_0"})
    public String type;

    /** {@code out x in}. */
    @Param({"768x768", "3072x768"})
    public String shape;

    @Param({"512"})
    public int tokens;

    /** {@code scalar}, {@code vector-1} (one thread) or {@code vector} (one thread per processor). */
    @Param({"vector-1"})
    public String backend;

    private Backend kernels;
    private Tensor w;
    private float[] x;
    private float[] y;
    private long flopsPerCall;

    /** Work done, reported by JMH as a rate. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Work {
        public long flops;

        @Setup(Level.Iteration)
        public void reset() {
            flops = 0;
        }
    }

    @Setup
    public void setUp() {
        String[] dims = shape.split("x");
        int out = Integer.parseInt(dims[0]);
        int in = Integer.parseInt(dims[1]);
        SplittableRandom random = new SplittableRandom(42);
        w = MatvecBenchmark.randomTensor(DType.valueOf(type), out, in, random);
        x = new float[tokens * in];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextDouble(-1, 1);
        y = new float[tokens * out];
        flopsPerCall = 2L * out * in * tokens;
        kernels = MatvecBenchmark.kernels(backend);
    }

    @TearDown
    public void tearDown() {
        MatvecBenchmark.close(kernels);
    }

    @Benchmark
    public float[] matmul(Work work) {
        kernels.matmul(w, x, y, tokens);
        work.flops += flopsPerCall;
        return y;
    }
}
