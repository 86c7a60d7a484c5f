package dev.jrwkv.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import dev.jrwkv.tensor.Backend;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.LittleEndian;
import dev.jrwkv.tensor.ScalarBackend;
import dev.jrwkv.tensor.Tensor;
import dev.jrwkv.tensor.VectorBackend;
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
 * Decode-step matrix-vector product {@code y = W x} ({@code W} is {@code out x in}), per stored type and backend.
 * Besides ops/s, JMH reports two rates: {@code flops} (2 out in per call: divide by 1e9 for GFLOP/s) and
 * {@code bytes} (weight bytes streamed per call: divide by 1e9 for GB/s).
 *
 * <pre>
 * mvn -B -q package -pl bench -am -DskipTests
 * java -jar bench/target/benchmarks.jar MatvecBenchmark -f 1 -wi 2 -i 3
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MatvecBenchmark {

    @Param({"F32", "F16", "Q8_0", "Q5_1"})
    public String type;

    /** {@code out x in}. */
    @Param({"2048x2048", "2048x8192"})
    public String shape;

    /** {@code scalar}, {@code vector-1} (one thread) or {@code vector} (one thread per processor). */
    @Param({"scalar", "vector-1", "vector"})
    public String backend;

    private Backend kernels;
    private Tensor w;
    private float[] x;
    private float[] y;
    private long flopsPerCall;
    private long bytesPerCall;

    /** Work done, reported by JMH as rates. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Traffic {
        public long flops;
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            flops = 0;
            bytes = 0;
        }
    }

    @Setup
    public void setUp() {
        String[] dims = shape.split("x");
        int out = Integer.parseInt(dims[0]);
        int in = Integer.parseInt(dims[1]);
        SplittableRandom random = new SplittableRandom(42);
        w = randomTensor(DType.valueOf(type), out, in, random);
        x = new float[in];
        for (int i = 0; i < in; i++) x[i] = (float) random.nextDouble(-1, 1);
        y = new float[out];
        flopsPerCall = 2L * out * in;
        bytesPerCall = w.data().byteSize();
        kernels = kernels(backend);
    }

    @TearDown
    public void tearDown() {
        close(kernels);
    }

    /** The backend a benchmark parameter names: scalar, vector-1 (one thread) or vector (all processors). */
    static Backend kernels(String name) {
        return switch (name) {
            case "scalar" -> new ScalarBackend();
            case "vector-1" -> new VectorBackend(1);
            case "vector" -> new VectorBackend();
            default -> throw new IllegalArgumentException("unknown backend " + name);
        };
    }

    static void close(Backend kernels) {
        if (kernels instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Benchmark
    public float[] matvec(Traffic traffic) {
        kernels.matvec(w, x, y);
        traffic.flops += flopsPerCall;
        traffic.bytes += bytesPerCall;
        return y;
    }

    /** Random weights in the stored layout: random values, or blocks with random fp16 scales and random quants. */
    static Tensor randomTensor(DType type, int out, int in, SplittableRandom random) {
        long n = (long) out * in;
        MemorySegment seg = Arena.ofAuto().allocate(type.byteSize(n), 64);
        switch (type) {
            case F32 -> {
                for (long i = 0; i < n; i++) seg.setAtIndex(LittleEndian.FLOAT, i, (float) random.nextDouble(-1, 1));
            }
            case F16, BF16 -> {
                for (long i = 0; i < n; i++) {
                    float f = (float) random.nextDouble(-1, 1);
                    short bits = type == DType.F16 ? Float.floatToFloat16(f) : (short) (Float.floatToRawIntBits(f) >>> 16);
                    seg.setAtIndex(LittleEndian.SHORT, i, bits);
                }
            }
            default -> {
                for (long b = 0; b < n / type.blockSize(); b++) {
                    long off = b * type.blockBytes();
                    for (int j = 0; j < type.blockBytes(); j++) seg.set(ValueLayout.JAVA_BYTE, off + j, (byte) random.nextInt(256));
                    seg.set(LittleEndian.SHORT, off, Float.floatToFloat16((float) random.nextDouble(-0.05, 0.05)));
                    if (type == DType.Q4_1 || type == DType.Q5_1) {
                        seg.set(LittleEndian.SHORT, off + 2, Float.floatToFloat16((float) random.nextDouble(-0.5, 0.5)));
                    }
                }
            }
        }
        return new Tensor("w", type, new long[] {out, in}, seg);
    }
}
