package dev.jrwkv.train;

import dev.jrwkv.tensor.DType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains an RWKV-7 on a {@link TokenCorpus} (bytes for a byte-level model; in memory or memory-mapped,
 * of any size): random windows of T + 1
 * tokens from the training part (or, with {@link TrainMode#carryState()}, consecutive chunks carrying
 * the state), the last {@code valFraction} of the data held out for validation, AdamW with
 * warm-up and cosine decay, global-norm clipping. {@link TrainMode} picks full training, state
 * tuning or LoRA; fine-tuning starts from {@link PretrainedParameters}. Deterministic for a given config: the batches
 * and learning rate of step s depend only on (seed, s), and every sum has a fixed order whatever
 * the thread count, so a resumed run equals an uninterrupted one bit for bit.
 *
 * <pre>{@code
 * TrainConfig cfg = TrainConfig.byteLevel(4, 128, 128, 8, 2000, 1e-3, 42);
 * try (TokenCorpus text = TokenCorpus.mapBytes(Path.of("input.txt"));
 *      Trainer trainer = new Trainer(cfg, text, null, TrainMode.full());
 *      MetricsJsonl log = new MetricsJsonl(Path.of("run/metrics.jsonl"))) {
 *     trainer.train(log);
 *     trainer.saveModel(Path.of("run/rwkv7.safetensors"), DType.BF16);
 * }
 * }</pre>
 */
public final class Trainer implements AutoCloseable {
    private final TrainConfig cfg;
    private final TrainMode mode;
    private final TokenCorpus data;
    private final long trainEnd;   // training windows lie in [0, trainEnd)
    private final long valEnd;     // validation windows lie in [trainEnd, valEnd); empty when no validation
    private final Parallel pool;
    private final Parameters params;
    private final AdamW opt;                 // FULL only
    private final TunedState tuned;          // STATE only
    private final LoraAdapters lora;         // LORA only
    private final ArrayAdam smallOpt;        // STATE and LORA
    private final TrainableRwkv7 net;
    private final int[] inputs, targets;
    private final int[] window;              // T + 1 ids read from the corpus
    private int step;

    /** A fresh model, initialised by the official recipe from {@code cfg.seed()}, trained on bytes. */
    public Trainer(TrainConfig cfg, byte[] data) {
        this(cfg, bytes(data), null, TrainMode.full());
    }

    /** {@link #Trainer(TrainConfig, TokenCorpus, Parameters, TrainMode)} on ids in memory. */
    public Trainer(TrainConfig cfg, int[] tokens, Parameters init, TrainMode mode) {
        this(cfg, TokenCorpus.of(tokens), init, mode);
    }

    /**
     * Trains on {@code corpus} (ids below the vocabulary) in {@code mode}, starting from {@code init}
     * (e.g. {@link PretrainedParameters#load}; it is trained in place) or, when null, from the
     * official initialisation of {@code cfg.shape()}. The corpus stays the caller's to close, after the trainer.
     *
     * @throws CorpusException when the training or validation part is shorter than ctx + 1 tokens
     */
    public Trainer(TrainConfig cfg, TokenCorpus corpus, Parameters init, TrainMode mode) {
        Parameters params = init != null ? init : Initializer.official(cfg.shape(), cfg.seed());
        if (!params.shape().equals(cfg.shape())) throw new IllegalArgumentException("model is " + params.shape() + ", config says " + cfg.shape());
        if (mode.tuning() == TrainMode.Tuning.STATE && mode.carryState()) {
            throw new IllegalArgumentException("state tuning trains the state every sequence starts from: it cannot carry states across chunks");
        }
        int V = cfg.shape().vocab();
        if (corpus.vocabBound() > V) {
            throw new CorpusException("the corpus holds token ids up to " + (corpus.vocabBound() - 1) + ", outside the vocabulary of " + V);
        }
        int T = cfg.ctx();
        this.cfg = cfg;
        this.mode = mode;
        this.data = corpus;
        long n = corpus.size();
        long split = cfg.valFraction() == 0 ? n : (long) (n * (1 - cfg.valFraction()));
        if (split < T + 1) {
            throw new CorpusException("training data has " + split + " tokens, need at least ctx + 1 = " + (T + 1));
        }
        if (cfg.valFraction() > 0 && n - split < T + 1) {
            throw new CorpusException("validation part has " + (n - split) + " tokens, need at least ctx + 1 = "
                    + (T + 1) + " (more data or a larger valFraction)");
        }
        if (mode.carryState() && split / cfg.batch() < T + 1) {
            throw new CorpusException("carrying the state gives each of the " + cfg.batch() + " sequences " + split / cfg.batch()
                    + " tokens, need at least ctx + 1 = " + (T + 1));
        }
        this.trainEnd = split;
        this.valEnd = n;
        this.pool = new Parallel(cfg.threads());
        this.params = params;
        this.opt = mode.tuning() == TrainMode.Tuning.FULL ? new AdamW(cfg.shape(), cfg.beta1(), cfg.beta2(), cfg.adamEps(), cfg.weightDecay()) : null;
        this.tuned = mode.tuning() == TrainMode.Tuning.STATE ? new TunedState(cfg.shape()) : null;
        this.lora = mode.tuning() == TrainMode.Tuning.LORA ? LoraAdapters.create(params, mode.loraRank(), cfg.seed()) : null;
        List<float[]> small = tuned != null ? tuned.arrays() : lora != null ? lora.arrays() : null;
        this.smallOpt = small == null ? null : new ArrayAdam(small, cfg.beta1(), cfg.beta2(), cfg.adamEps());
        this.net = new TrainableRwkv7(params, cfg.batch(), T, pool);
        this.inputs = new int[cfg.batch() * T];
        this.targets = new int[cfg.batch() * T];
        this.window = new int[T + 1];
    }

    /** Bytes as token ids 0..255. */
    public static int[] bytes(byte[] data) {
        int[] ids = new int[data.length];
        for (int i = 0; i < data.length; i++) ids[i] = data[i] & 0xFF;
        return ids;
    }

    /** Continues a run from a {@link TrainingState} file written by {@link #saveState}. */
    public static Trainer resume(TrainConfig cfg, byte[] data, Path stateFile) {
        return resume(cfg, bytes(data), stateFile);
    }

    /** Continues a full-training run (random windows) from a {@link TrainingState} file. */
    public static Trainer resume(TrainConfig cfg, int[] tokens, Path stateFile) {
        return resume(cfg, TokenCorpus.of(tokens), stateFile);
    }

    /** Continues a full-training run (random windows) on {@code corpus} from a {@link TrainingState} file. */
    public static Trainer resume(TrainConfig cfg, TokenCorpus corpus, Path stateFile) {
        Trainer t = new Trainer(cfg, corpus, Parameters.zeros(cfg.shape()), TrainMode.full());
        try {
            t.step = TrainingState.read(stateFile, t.params, t.opt);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** The model: under LoRA, the merged weights W₀ + s·B·A of the current adapters. */
    public Parameters parameters() {
        return params;
    }

    public TrainMode mode() {
        return mode;
    }

    /** The tuned initial states (state tuning), else null. */
    public TunedState tunedState() {
        return tuned;
    }

    /** The adapters (LoRA), else null. */
    public LoraAdapters lora() {
        return lora;
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
        if (mode.carryState()) fillCarriedBatch(step);
        else fillTrainingBatch(step);
        if (tuned != null) tuned.startFrom(net);
        double loss = net.forward(inputs, targets);
        net.backward();
        double lr = cfg.learningRate(step);
        double norm;
        switch (mode.tuning()) {
            case FULL -> {
                norm = AdamW.clipGlobalNorm(net.gradients(), cfg.gradClip());
                opt.update(params, net.gradients(), lr);
            }
            case STATE -> {
                List<float[]> g = tuned.gradient(net);
                norm = ArrayAdam.clip(g, cfg.gradClip());
                smallOpt.update(g, lr);
            }
            case LORA -> {
                List<float[]> g = lora.gradients(net.gradients());
                norm = ArrayAdam.clip(g, cfg.gradClip());
                smallOpt.update(g, lr);
                lora.merge(params);
            }
            default -> throw new IllegalStateException();
        }
        if (mode.carryState()) net.carryOver();
        double seconds = (System.nanoTime() - start) / 1e9;
        step++;
        boolean validate = valEnd > trainEnd && cfg.evalEvery() > 0 && (step % cfg.evalEvery() == 0 || step == cfg.steps());
        double val = validate ? validationLoss() : Double.NaN;
        return new StepMetrics(step, loss, val, lr, norm, inputs.length / seconds);
    }

    /**
     * Mean loss over {@code evalBatches} fixed batches of windows spread evenly over the validation
     * part, each window from the start state (zero, or the tuned state).
     */
    public double validationLoss() {
        if (valEnd <= trainEnd) throw new IllegalStateException("no validation data (valFraction is 0)");
        float[][][] carried = mode.carryState() ? net.saveStart() : null;
        if (carried != null) net.resetStart();
        if (tuned != null) tuned.startFrom(net);
        int B = cfg.batch(), T = cfg.ctx(), n = cfg.evalBatches() * B;
        long span = valEnd - trainEnd - (T + 1);
        double sum = 0;
        for (int batch = 0; batch < cfg.evalBatches(); batch++) {
            for (int b = 0; b < B; b++) {
                int i = batch * B + b;
                fillWindow(b, trainEnd + (n == 1 ? 0 : span * i / (n - 1)));
            }
            sum += net.forward(inputs, targets);
        }
        if (carried != null) net.restoreStart(carried);
        return sum / cfg.evalBatches();
    }

    private void fillTrainingBatch(int s) {
        SplittableRandom rng = new SplittableRandom(cfg.seed() ^ (0x9E3779B97F4A7C15L * (s + 1L)));
        long bound = trainEnd - cfg.ctx();
        // nextInt below 2^31 keeps the windows (and so the results) of a corpus that fits an int as they always were
        for (int b = 0; b < cfg.batch(); b++) fillWindow(b, bound <= Integer.MAX_VALUE ? rng.nextInt((int) bound) : rng.nextLong(bound));
    }

    /** Sequence b reads part b of the training data chunk after chunk; back at its start, it starts from zero. */
    private void fillCarriedBatch(int s) {
        int B = cfg.batch(), T = cfg.ctx();
        for (int b = 0; b < B; b++) {
            long from = trainEnd * b / B, to = trainEnd * (b + 1) / B;
            long usable = (to - from - 1) / T * T;
            long at = (long) s * T % usable;
            if (at == 0) net.resetCarry(b);
            fillWindow(b, from + at);
        }
    }

    private void fillWindow(int b, long offset) {
        int T = cfg.ctx();
        data.read(offset, window, 0, T + 1);
        System.arraycopy(window, 0, inputs, b * T, T);
        System.arraycopy(window, 1, targets, b * T, T);
    }

    /** Writes the step, parameters and optimizer moments (atomically) for {@link #resume}; full training only. */
    public void saveState(Path file) throws IOException {
        if (opt == null) throw new IllegalStateException("only full training saves a resumable state (this run is " + mode.tuning() + ")");
        TrainingState.write(file, step, params, opt);
    }

    /**
     * Writes the model with the official names and shapes (F32 or BF16; under LoRA the merged weights):
     * a {@code .pth} file as {@code torch.save} writes it when the name ends in {@code .pth}, else safetensors.
     */
    public void saveModel(Path file, DType type) {
        if (file.getFileName().toString().endsWith(".pth")) Checkpoints.writePyTorch(file, params, type);
        else Checkpoints.writeSafetensors(file, params, type, Map.of("jrwkv_step", Integer.toString(step), "jrwkv_model", cfg.shape().toString()));
    }

    @Override
    public void close() {
        pool.close();
    }
}
