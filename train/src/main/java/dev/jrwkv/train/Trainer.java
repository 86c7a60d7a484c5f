package dev.jrwkv.train;

import dev.jrwkv.tensor.DType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains a byte-level RWKV-7 (token = byte) on a byte array: random windows of T + 1 bytes from
 * the training part, the last {@code valFraction} of the data held out for validation, AdamW with
 * warm-up and cosine decay, global-norm clipping. Deterministic for a given config: the batches
 * and learning rate of step s depend only on (seed, s), and every sum has a fixed order whatever
 * the thread count, so a resumed run equals an uninterrupted one bit for bit.
 *
 * <pre>{@code
 * byte[] text = Files.readAllBytes(Path.of("input.txt"));
 * TrainConfig cfg = TrainConfig.byteLevel(4, 128, 128, 8, 2000, 1e-3, 42);
 * try (Trainer trainer = new Trainer(cfg, text); MetricsJsonl log = new MetricsJsonl(Path.of("run/metrics.jsonl"))) {
 *     trainer.train(log);
 *     trainer.saveModel(Path.of("run/rwkv7.safetensors"), DType.BF16);
 * }
 * }</pre>
 */
public final class Trainer implements AutoCloseable {
    private final TrainConfig cfg;
    private final byte[] data;
    private final int trainEnd;   // training windows lie in [0, trainEnd)
    private final int valEnd;     // validation windows lie in [trainEnd, valEnd); empty when no validation
    private final Parallel pool;
    private final Parameters params;
    private final AdamW opt;
    private final TrainableRwkv7 net;
    private final int[] inputs, targets;
    private int step;

    /** A fresh model, initialised by the official recipe from {@code cfg.seed()}. */
    public Trainer(TrainConfig cfg, byte[] data) {
        this(cfg, data, Initializer.official(cfg.shape(), cfg.seed()));
    }

    private Trainer(TrainConfig cfg, byte[] data, Parameters params) {
        if (cfg.shape().vocab() < 256) throw new IllegalArgumentException("byte-level training needs vocab >= 256, shape has " + cfg.shape().vocab());
        int T = cfg.ctx();
        this.cfg = cfg;
        this.data = data;
        int split = cfg.valFraction() == 0 ? data.length : (int) (data.length * (1 - cfg.valFraction()));
        if (split < T + 1) {
            throw new IllegalArgumentException("training data has " + split + " bytes, need at least ctx + 1 = " + (T + 1));
        }
        if (cfg.valFraction() > 0 && data.length - split < T + 1) {
            throw new IllegalArgumentException("validation part has " + (data.length - split) + " bytes, need at least ctx + 1 = "
                    + (T + 1) + " (more data or a larger valFraction)");
        }
        this.trainEnd = split;
        this.valEnd = data.length;
        this.pool = new Parallel(cfg.threads());
        this.params = params;
        this.opt = new AdamW(cfg.shape(), cfg.beta1(), cfg.beta2(), cfg.adamEps(), cfg.weightDecay());
        this.net = new TrainableRwkv7(params, cfg.batch(), T, pool);
        this.inputs = new int[cfg.batch() * T];
        this.targets = new int[cfg.batch() * T];
    }

    /** Continues a run from a {@link TrainingState} file written by {@link #saveState}. */
    public static Trainer resume(TrainConfig cfg, byte[] data, Path stateFile) {
        Trainer t = new Trainer(cfg, data, Parameters.zeros(cfg.shape()));
        try {
            t.step = TrainingState.read(stateFile, t.params, t.opt);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    public Parameters parameters() {
        return params;
    }

    /** Steps completed so far. */
    public int completedSteps() {
        return step;
    }

    /** Runs steps until {@code cfg.steps()}, reporting each to {@code listener}. */
    public void train(TrainListener listener) {
        while (step < cfg.steps()) listener.onStep(step());
    }

    /** One optimizer step on the batch of step {@link #completedSteps()}; validates when it is due. */
    public StepMetrics step() {
        long start = System.nanoTime();
        fillTrainingBatch(step);
        double loss = net.forward(inputs, targets);
        net.backward();
        double norm = AdamW.clipGlobalNorm(net.gradients(), cfg.gradClip());
        double lr = cfg.learningRate(step);
        opt.update(params, net.gradients(), lr);
        double seconds = (System.nanoTime() - start) / 1e9;
        step++;
        boolean validate = valEnd > trainEnd && cfg.evalEvery() > 0 && (step % cfg.evalEvery() == 0 || step == cfg.steps());
        double val = validate ? validationLoss() : Double.NaN;
        return new StepMetrics(step, loss, val, lr, norm, inputs.length / seconds);
    }

    /** Mean loss over {@code evalBatches} fixed batches of windows spread evenly over the validation part. */
    public double validationLoss() {
        if (valEnd <= trainEnd) throw new IllegalStateException("no validation data (valFraction is 0)");
        int B = cfg.batch(), T = cfg.ctx(), n = cfg.evalBatches() * B;
        long span = valEnd - trainEnd - (T + 1);
        double sum = 0;
        for (int batch = 0; batch < cfg.evalBatches(); batch++) {
            for (int b = 0; b < B; b++) {
                int i = batch * B + b;
                fillWindow(b, trainEnd + (int) (n == 1 ? 0 : span * i / (n - 1)));
            }
            sum += net.forward(inputs, targets);
        }
        return sum / cfg.evalBatches();
    }

    private void fillTrainingBatch(int s) {
        SplittableRandom rng = new SplittableRandom(cfg.seed() ^ (0x9E3779B97F4A7C15L * (s + 1L)));
        for (int b = 0; b < cfg.batch(); b++) fillWindow(b, rng.nextInt(trainEnd - cfg.ctx()));
    }

    private void fillWindow(int b, int offset) {
        int T = cfg.ctx();
        for (int t = 0; t < T; t++) {
            inputs[b * T + t] = data[offset + t] & 0xFF;
            targets[b * T + t] = data[offset + t + 1] & 0xFF;
        }
    }

    /** Writes the step, parameters and optimizer moments (atomically) for {@link #resume}. */
    public void saveState(Path file) throws IOException {
        TrainingState.write(file, step, params, opt);
    }

    /** Writes the model as an official-layout safetensors file (F32 or BF16). */
    public void saveModel(Path file, DType type) {
        Checkpoints.writeSafetensors(file, params, type, Map.of("jrwkv_step", Integer.toString(step), "jrwkv_model", cfg.shape().toString()));
    }

    @Override
    public void close() {
        pool.close();
    }
}
