package dev.jrwkv.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrwkv.JrwkvException;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.ModelConfig;
import dev.jrwkv.model.OfficialTensors;
import dev.jrwkv.model.State;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Tensor;
import dev.jrwkv.tensor.VectorBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code jrwkv bench MODEL}: whole-model speed. Decode is tokens/s of one sequence stepping greedily
 * after a short prompt; prefill is tokens/s of reading a prompt of {@code --prefill} tokens in
 * sequence mode from a fresh state. One warm-up run, then {@code --runs} timed runs (min, median,
 * max). Token ids are random (seeded): speed does not depend on them.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure decode and prefill speed of a model.")
final class BenchCommand implements Callable<Integer> {
    private final StdStreams io;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model file (any format).")
    Path model;

    @Option(names = "--threads", description = "Kernel threads (default: available processors, ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--decode", description = "Tokens generated per decode run (default: ${DEFAULT-VALUE}).")
    int decode = 128;

    @Option(names = "--prefill", description = "Prompt tokens per prefill run; 0 skips prefill (default: ${DEFAULT-VALUE}).")
    int prefill = 512;

    @Option(names = "--runs", description = "Timed runs after one warm-up (default: ${DEFAULT-VALUE}).")
    int runs = 3;

    @Option(names = "--json", description = "Print one JSON object (fields documented in the README).")
    boolean json;

    @Option(names = "--batch", description = "Sequences decoded together in one batched forward per step, as the server does; decode tok/s is then the aggregate (default: ${DEFAULT-VALUE}).")
    int batch = 1;

    @Option(names = "--bandwidth", description = "Also measure memory read bandwidth with --threads threads and report the decode limit it sets (weights read per token / bandwidth).")
    boolean bandwidth;

    @Option(names = "--context-sweep", split = ",", paramLabel = "LENGTHS",
            description = "Measure decode ms/token at these context lengths (e.g. 1k,4k,16k) against a transformer of the same shape.")
    List<String> sweep;

    @Option(names = "--sweep-out", paramLabel = "PREFIX", defaultValue = "context-sweep",
            description = "Where the sweep writes PREFIX.csv and PREFIX.png (default: ${DEFAULT-VALUE}).")
    Path sweepOut;

    BenchCommand(StdStreams io) {
        this.io = io;
    }

    @Override
    public Integer call() throws IOException {
        if (threads < 1) throw new JrwkvException("--threads must be at least 1, got " + threads);
        if (decode < 1) throw new JrwkvException("--decode must be at least 1, got " + decode);
        if (prefill < 0) throw new JrwkvException("--prefill must be 0 or more, got " + prefill);
        if (runs < 1) throw new JrwkvException("--runs must be at least 1, got " + runs);
        if (batch < 1) throw new JrwkvException("--batch must be at least 1, got " + batch);
        if (!Files.isRegularFile(model)) throw new JrwkvException(model + ": no such file");
        try (VectorBackend backend = new VectorBackend(threads)) {
            long t0 = System.nanoTime();
            try (Model m = Model.load(model, backend)) {
                double loadSeconds = (System.nanoTime() - t0) / 1e9;
                ModelConfig c = m.config();
                if (sweep != null) return sweep(m, backend);
                SplittableRandom random = new SplittableRandom(42);
                Optional<ProcessMemory> memory = ProcessMemory.read();
                double[] dec = new double[runs], pre = new double[runs];
                for (int r = -1; r < runs; r++) {                     // run -1 warms up the JIT and the page cache
                    double d = decodeRun(m, random);
                    memory = sample(memory);
                    double p = prefill > 0 ? prefillRun(m, random) : 0;
                    memory = sample(memory);
                    if (r >= 0) {
                        dec[r] = d;
                        pre[r] = p;
                    }
                }
                Optional<ProcessMemory> peak = sample(memory);          // before the bandwidth buffer adds to it
                double bytesPerSecond = bandwidth ? MemoryBandwidth.measure(threads, 512L << 20, 5) : -1;
                print(c, loadSeconds, dec, prefill > 0 ? pre : null, peak, Files.size(model), weightBytesPerToken(), bytesPerSecond);
            }
        }
        return 0;
    }

    private int sweep(Model m, VectorBackend backend) throws IOException {
        int[] contexts = sweep.stream().mapToInt(BenchCommand::contextLength).sorted().toArray();
        List<ContextSweep.Point> points = ContextSweep.run(m, backend, contexts, Math.min(decode, 16), io.out());
        Path csv = Path.of(sweepOut + ".csv"), png = Path.of(sweepOut + ".png");
        ContextSweep.writeCsv(points, csv);
        ContextSweep.writePng(points, m.config().summary() + ", " + threads + " threads", png);
        io.out().println("wrote " + csv + " and " + png);
        return 0;
    }

    /** {@code 4k} = 4096, {@code 100000} = 100000. */
    static int contextLength(String s) {
        String t = s.trim().toLowerCase();
        try {
            int n = t.endsWith("k") ? Math.multiplyExact(Integer.parseInt(t.substring(0, t.length() - 1)), 1024) : Integer.parseInt(t);
            if (n < 1) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new JrwkvException("--context-sweep: '" + s + "' is not a context length (e.g. 4k or 4096)");
        }
    }

    private double decodeRun(Model m, SplittableRandom random) {
        if (batch > 1) return batchedDecodeRun(m, random);
        State s = m.newState();
        float[] logits = m.forward(randomTokens(random, m.config().vocab(), 16), s);
        long t = System.nanoTime();
        for (int i = 0; i < decode; i++) logits = m.step(argmax(logits), s);
        return decode / ((System.nanoTime() - t) / 1e9);
    }

    /** {@code batch} sequences stepping together: aggregate tokens/s. */
    private double batchedDecodeRun(Model m, SplittableRandom random) {
        State[] states = new State[batch];
        int[][] tokens = new int[batch][];
        for (int b = 0; b < batch; b++) {
            states[b] = m.newState();
            tokens[b] = randomTokens(random, m.config().vocab(), 16);
        }
        float[][] logits = m.forwardBatch(tokens, states);
        long t = System.nanoTime();
        for (int i = 0; i < decode; i++) {
            for (int b = 0; b < batch; b++) tokens[b] = new int[] {argmax(logits[b])};
            logits = m.forwardBatch(tokens, states);
        }
        return (double) decode * batch / ((System.nanoTime() - t) / 1e9);
    }

    private double prefillRun(Model m, SplittableRandom random) {
        int[] tokens = randomTokens(random, m.config().vocab(), prefill);
        long t = System.nanoTime();
        m.forward(tokens, m.newState());
        return prefill / ((System.nanoTime() - t) / 1e9);
    }

    /** Bytes of weights one decode step reads: every tensor once, except the embedding, of which one row. */
    private long weightBytesPerToken() {
        try (TensorStore store = OfficialTensors.open(model, false)) {
            long bytes = 0;
            for (String name : store.names()) {
                // a LoRA factor a GGUF stores the other way round counts as stored: asking for it by name would make a float copy
                Tensor t = store.findTransposed(name).orElseGet(() -> store.get(name));
                bytes += name.equals("emb.weight") && t.rows() > 0 ? t.data().byteSize() / t.rows() : t.data().byteSize();
            }
            return bytes;
        }
    }

    /** The reading with the most resident memory so far (its split is the one nearest the peak), peak updated. */
    private static Optional<ProcessMemory> sample(Optional<ProcessMemory> soFar) {
        Optional<ProcessMemory> now = ProcessMemory.read();
        if (soFar.isEmpty()) return now;
        return now.isEmpty() ? soFar : Optional.of(soFar.get().maxByRss(now.get()));
    }

    private void print(ModelConfig c, double loadSeconds, double[] decode, double[] prefill, Optional<ProcessMemory> memory, long fileBytes,
                       long weightBytes, double bandwidth) {
        long rss = memory.map(ProcessMemory::peakBytes).orElse(-1L);
        double median = median(decode);
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode root = mapper.createObjectNode();
            stats(root.putObject("decode_tok_s"), decode);
            if (prefill != null) stats(root.putObject("prefill_tok_s"), prefill);
            else root.putNull("prefill_tok_s");
            root.put("peak_rss_bytes", rss);
            if (memory.isPresent()) {
                ProcessMemory mem = memory.get();
                putBytes(root, "rss_anon_bytes", mem.anonBytes());
                putBytes(root, "rss_file_bytes", mem.fileBytes());
                root.put("peak_rss_per_file_size", (double) rss / fileBytes);
            } else {
                root.putNull("rss_anon_bytes");
                root.putNull("rss_file_bytes");
                root.putNull("peak_rss_per_file_size");
            }
            root.put("load_s", loadSeconds);
            root.put("threads", threads);
            root.put("batch", batch);
            root.put("weight_bytes_per_token", weightBytes);
            if (bandwidth > 0) {
                root.put("read_bandwidth_bytes_s", bandwidth);
                root.put("decode_limit_tok_s", bandwidth / weightBytes);
                root.put("decode_fraction_of_limit", median / batch / (bandwidth / weightBytes));
            }
            ObjectNode mo = root.putObject("model");
            mo.put("file", model.toString());
            mo.put("file_bytes", fileBytes);
            mo.put("version", c.version().label());
            mo.put("layers", c.layers());
            mo.put("width", c.embd());
            mo.put("vocab", c.vocab());
            mo.put("summary", c.summary());
            io.out().println(root.toString());
        } else {
            io.out().printf("%s, %d threads, loaded in %.2f s%n", c.summary(), threads, loadSeconds);
            io.out().printf("decode  %d tokens%s: %s tok/s%n", this.decode, batch > 1 ? " x " + batch + " sequences (aggregate)" : "", line(decode));
            if (prefill != null) io.out().printf("prefill %d tokens: %s tok/s%n", this.prefill, line(prefill));
            if (memory.isEmpty()) {
                io.out().printf("peak RSS unknown (no /proc/self/status); model file %.1f MiB%n", fileBytes / 1048576.0);
            } else {
                ProcessMemory mem = memory.get();
                io.out().printf("peak RSS %.1f MiB = %.3f x the model file (%.1f MiB); at the largest sample: file-backed %s MiB, anonymous %s MiB%n",
                        rss / 1048576.0, (double) rss / fileBytes, fileBytes / 1048576.0, mib(mem.fileBytes()), mib(mem.anonBytes()));
            }
            io.out().printf("weights read per token %.1f MiB%n", weightBytes / 1048576.0);
            if (bandwidth > 0) {
                double limit = bandwidth / weightBytes;
                io.out().printf("memory read bandwidth %.1f GB/s (%d threads): decode limit %.1f tok/s, median reaches %.0f%%%n",
                        bandwidth / 1e9, threads, limit, 100 * median / batch / limit);
            }
        }
        io.out().flush();
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    private static void stats(ObjectNode node, double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        node.put("min", v[0]);
        node.put("median", v[v.length / 2]);
        node.put("max", v[v.length - 1]);
    }

    private static String line(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return String.format("min %.1f, median %.1f, max %.1f", v[0], v[v.length / 2], v[v.length - 1]);
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "?" : String.format("%.1f", bytes / 1048576.0);
    }

    private static void putBytes(ObjectNode node, String key, long bytes) {
        if (bytes < 0) node.putNull(key);
        else node.put(key, bytes);
    }

    private static int[] randomTokens(SplittableRandom random, int vocab, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = random.nextInt(vocab);
        return t;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
