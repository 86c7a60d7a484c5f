package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.generate.Tokenizers;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.train.LossCurvePlot;
import dev.jrwkv.train.MetricsJsonl;
import dev.jrwkv.train.ModelShape;
import dev.jrwkv.train.Parameters;
import dev.jrwkv.train.PretrainedParameters;
import dev.jrwkv.train.StepMetrics;
import dev.jrwkv.train.TokenCorpus;
import dev.jrwkv.train.TrainConfig;
import dev.jrwkv.train.TrainMode;
import dev.jrwkv.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code jrwkv train}: trains an RWKV-7 from scratch, or fine-tunes one ({@code --init}: full,
 * {@code --lora RANK}, {@code --state-tuning}), on a text file, writing into {@code --out DIR}:
 * <ul>
 *   <li>{@code model.safetensors}: the model in the official layout (merged weights under LoRA with {@code --lora-merge});</li>
 *   <li>{@code lora.safetensors} / {@code state.safetensors}: adapters / tuned states ({@code blocks.N.att.time_state});</li>
 *   <li>{@code training.state}: what {@code --resume} continues from (full training);</li>
 *   <li>{@code metrics.jsonl}: one JSON object per step ({@code step, train_loss, val_loss, lr, grad_norm, tokens_per_s}), and {@code loss.png}.</li>
 * </ul>
 * <pre>
 * jrwkv train --data input.txt --layers 3 --embd 128 --ctx 256 --batch 4 --steps 1000 --lr 3e-3 --out run
 * </pre>
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train an RWKV-7 on a text file, or fine-tune one (--init MODEL with --lora RANK or --state-tuning).",
                "Writes DIR/model.safetensors (official names), DIR/metrics.jsonl, DIR/loss.png and DIR/training.state (for --resume)."})
final class TrainCommand implements Callable<Integer> {
    private final StdStreams io;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "The text corpus (UTF-8 or any bytes for --tokenizer byte), of any size: mapped, not read into memory; World tokens are cached in DIR/tokens-*.u16.")
    Path data;

    @Option(names = "--tokenizer", paramLabel = "byte|world|FILE",
            description = "byte (a token per byte, vocabulary 256), world (RWKV World, 65536, from the cache) or a World vocabulary file. Default: byte, or world when --init has a 65536 vocabulary.")
    String tokenizer;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for checkpoints, metrics and the loss curve (created).")
    Path out;

    @Option(names = "--layers", paramLabel = "L", description = "Layers (a new model).")
    Integer layers;

    @Option(names = "--embd", paramLabel = "C", description = "Width (a new model).")
    Integer embd;

    @Option(names = "--head-size", paramLabel = "N", defaultValue = "64", description = "Head size of a new model, or C when smaller (default: ${DEFAULT-VALUE}).")
    int headSize;

    @Option(names = "--ctx", paramLabel = "T", defaultValue = "256", description = "Tokens per training sequence (default: ${DEFAULT-VALUE}).")
    int ctx;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "8", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", required = true, paramLabel = "S", description = "Optimizer steps in all (a resumed run goes on to S).")
    int steps;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "1e-3", description = "Peak learning rate, after a linear warm-up over 5% of the steps, then cosine to lr/10 (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the initialisation and of the batches (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: one per processor); results do not depend on it.")
    Integer threads;

    @Option(names = "--val-fraction", paramLabel = "F", defaultValue = "0.1", description = "Last part of the data held out for validation (default: ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(names = "--eval-batches", paramLabel = "N", defaultValue = "4", description = "Batches per validation (default: ${DEFAULT-VALUE}).")
    int evalBatches;

    @Option(names = "--every", paramLabel = "N", description = "Validate and write checkpoints every N steps (default: steps/10).")
    Integer every;

    @Option(names = "--resume", description = "Continue the full-training run in --out from its training.state.")
    boolean resume;

    @Option(names = "--pause-at", paramLabel = "STEP", description = "Stop after this step (writing a checkpoint), keeping the schedule of --steps: continue later with --resume.")
    Integer pauseAt;

    @Option(names = "--init", paramLabel = "MODEL", description = "Start from this RWKV-7 checkpoint (.pth, .safetensors, rwkv.cpp, GGUF).")
    Path init;

    @Option(names = "--state-tuning", description = "Train only the initial state of every layer (writes DIR/state.safetensors).")
    boolean stateTuning;

    @Option(names = "--lora", paramLabel = "RANK", description = "Train only low-rank adapters of this rank on the large matrices (writes DIR/lora.safetensors).")
    Integer lora;

    @Option(names = "--lora-merge", description = "With --lora, also write the merged weights to DIR/model.safetensors.")
    boolean loraMerge;

    @Option(names = "--chunk", paramLabel = "T", description = "Read each sequence's part of the data as consecutive chunks of T tokens, carrying the state between them (truncated BPTT); sets --ctx.")
    Integer chunk;

    @Option(names = "--dtype", paramLabel = "f32|bf16", defaultValue = "f32", description = "Type of the model checkpoint (default: ${DEFAULT-VALUE}).")
    String dtype;

    TrainCommand(StdStreams io) {
        this.io = io;
    }

    @Override
    public Integer call() throws IOException {
        TrainMode mode = mode();
        DType type = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32" -> DType.F32;
            case "bf16" -> DType.BF16;
            default -> throw new JrwkvException("--dtype must be f32 or bf16, not " + dtype);
        };
        if (chunk != null) {
            if (chunk <= 0) throw new JrwkvException("--chunk must be positive, got " + chunk);
            ctx = chunk;
        }
        if (steps <= 0 || ctx <= 0 || batch <= 0) throw new JrwkvException("--steps, --ctx and --batch must be positive");
        if (pauseAt != null && pauseAt <= 0) throw new JrwkvException("--pause-at must be a positive step, got " + pauseAt);
        if (!(lr > 0)) throw new JrwkvException("--lr must be positive, got " + lr);
        if (!(valFraction >= 0 && valFraction < 1)) throw new JrwkvException("--val-fraction must be in [0, 1), got " + valFraction);
        if (resume && mode.tuning() != TrainMode.Tuning.FULL) throw new JrwkvException("--resume continues full training only (not --lora or --state-tuning)");
        if (resume && init != null) throw new JrwkvException("--resume and --init exclude each other: a resumed run continues from DIR/training.state");
        if (!Files.isRegularFile(data)) throw new JrwkvException("cannot read --data " + data + ": no such file");

        Parameters initial = init == null ? null : PretrainedParameters.load(init);
        if (initial != null && (layers != null || embd != null)) {
            throw new JrwkvException("--layers/--embd describe a new model; with --init the shape comes from " + init);
        }
        if (initial == null && (layers == null || embd == null)) throw new JrwkvException("a new model needs --layers and --embd (or --init MODEL)");
        if (initial == null && mode.tuning() != TrainMode.Tuning.FULL) throw new JrwkvException("--lora and --state-tuning fine-tune a model: give --init MODEL");
        ModelShape shape = initial != null ? initial.shape() : null;
        String tok = tokenizer != null ? tokenizer : shape != null && shape.vocab() == 65536 ? "world" : "byte";
        dev.jrwkv.tokenizer.Tokenizer t = tokenizer(tok);
        Files.createDirectories(out);
        try (TokenCorpus corpus = TokenCorpus.open(data, t, out, new TokenizeLine(io, data))) {
            return train(mode, type, initial, shape, tok, corpus);
        }
    }

    private int train(TrainMode mode, DType type, Parameters initial, ModelShape shape, String tok, TokenCorpus corpus) throws IOException {
        if (shape == null) {
            if (layers <= 0 || embd <= 0) throw new JrwkvException("--layers and --embd must be positive");
            int n = Math.min(headSize, embd);
            if (embd % n != 0) throw new JrwkvException("--embd " + embd + " is not a multiple of the head size " + n);
            shape = ModelShape.of(tok.equals("byte") ? 256 : 65536, layers, embd, n);
        }
        int evalEvery = every != null ? every : Math.max(1, steps / 10);
        if (evalEvery <= 0) throw new JrwkvException("--every must be positive");
        TrainConfig cfg = TrainConfig.byteLevel(1, 64, ctx, batch, steps, lr, seed).withShape(shape)
                .withThreads(threads != null ? threads : Runtime.getRuntime().availableProcessors())
                .withValidation(valFraction, valFraction > 0 ? evalEvery : 0, evalBatches);
        Path stateFile = out.resolve("training.state"), metrics = out.resolve("metrics.jsonl");
        Trainer trainer;
        try {
            if (resume) {
                if (!Files.isRegularFile(stateFile)) throw new JrwkvException("nothing to resume: no " + stateFile);
                trainer = Trainer.resume(cfg, corpus, stateFile);
                dropLinesAfter(metrics, trainer.completedSteps());
            } else {
                Files.deleteIfExists(metrics);
                trainer = new Trainer(cfg, corpus, initial, mode);
            }
        } catch (IllegalArgumentException e) {
            throw new JrwkvException(e.getMessage(), e);
        }
        io.err().printf(Locale.ROOT, "%s, %,d parameters, %,d tokens (%s), T%d B%d, %s%s%n", shape, count(shape),
                corpus.size(), tok, ctx, batch, mode.tuning().name().toLowerCase(Locale.ROOT), mode.carryState() ? " carrying the state" : "");
        if (trainer.completedSteps() > 0) io.err().println("resuming at step " + trainer.completedSteps());
        io.err().flush();
        StepLine line = new StepLine(io, steps, trainer.completedSteps());
        try (trainer; MetricsJsonl log = new MetricsJsonl(metrics)) {
            int stop = pauseAt == null ? steps : Math.min(steps, pauseAt);
            while (trainer.completedSteps() < stop) {
                StepMetrics m = trainer.step();
                log.onStep(m);
                line.show(m);
                if (m.step() % evalEvery == 0 || m.step() == stop) save(trainer, type);
            }
            line.finish(trainer.completedSteps());
        }
        LossCurvePlot.write(metrics, out.resolve("loss.png"), shape + " on " + data.getFileName());
        io.err().println("wrote " + out.toAbsolutePath());
        return 0;
    }

    private TrainMode mode() {
        if (stateTuning && lora != null) throw new JrwkvException("--state-tuning and --lora exclude each other");
        if (loraMerge && lora == null) throw new JrwkvException("--lora-merge needs --lora RANK");
        if (lora != null && lora <= 0) throw new JrwkvException("--lora RANK must be positive, got " + lora);
        if (stateTuning && chunk != null) throw new JrwkvException("--state-tuning trains the state every sequence starts from: it cannot be combined with --chunk");
        TrainMode m = stateTuning ? TrainMode.stateTuning() : lora != null ? TrainMode.lora(lora) : TrainMode.full();
        return m.withCarryState(chunk != null);
    }

    private static dev.jrwkv.tokenizer.Tokenizer tokenizer(String tok) {
        if (tok.equals("byte")) return new dev.jrwkv.tokenizer.ByteTokenizer();
        // "world" (from the cache) or a World vocabulary file
        if (tok.equals("neox") || tok.endsWith(".json")) {
            throw new JrwkvException("--tokenizer: training supports the byte and World vocabularies, not " + tok);
        }
        dev.jrwkv.tokenizer.Tokenizer t = Tokenizers.named(tok);
        if (!(t instanceof dev.jrwkv.tokenizer.WorldTokenizer)) {
            throw new JrwkvException("--tokenizer: training supports the byte and World vocabularies, not " + tok);
        }
        return t;
    }

    private void save(Trainer t, DType type) throws IOException {
        switch (t.mode().tuning()) {
            case FULL -> {
                t.saveModel(out.resolve("model.safetensors"), type);
                t.saveModel(out.resolve("model.pth"), type);
                t.saveState(out.resolve("training.state"));
            }
            case STATE -> t.tunedState().save(out.resolve("state.safetensors"));
            case LORA -> {
                t.lora().save(out.resolve("lora.safetensors"));
                if (loraMerge) {
                    t.saveModel(out.resolve("model.safetensors"), type);
                    t.saveModel(out.resolve("model.pth"), type);
                }
            }
        }
    }

    /** A resumed run rewrites the steps after its checkpoint: their old lines go. */
    private static void dropLinesAfter(Path metrics, int step) throws IOException {
        if (!Files.exists(metrics)) return;
        List<String> keep = Files.readAllLines(metrics).stream().filter(l -> {
            int i = l.indexOf("\"step\":");
            if (i < 0) return false;
            int j = i + 7, k = j;
            while (k < l.length() && Character.isDigit(l.charAt(k))) k++;
            return k > j && Integer.parseInt(l.substring(j, k)) <= step;
        }).toList();
        Files.write(metrics, keep);
    }

    private static long count(ModelShape s) {
        return Parameters.zeros(s).count();
    }

    /** Progress of the tokenization pass: a percentage redrawn in place on a terminal, otherwise a line every 10%. */
    private static final class TokenizeLine implements TokenCorpus.Progress {
        private final StdStreams io;
        private final Path data;
        private final long start = System.nanoTime();
        private int shown = -1;

        TokenizeLine(StdStreams io, Path data) {
            this.io = io;
            this.data = data;
        }

        @Override
        public void tokenized(long done, long total) {
            int percent = (int) (100 * done / Math.max(1, total));
            if (percent == shown || (!io.terminal() && percent / 10 == shown / 10 && done < total)) return;
            shown = percent;
            String text = String.format(Locale.ROOT, "tokenizing %s: %d%% (%,d of %,d bytes)", data.getFileName(), percent, done, total);
            if (io.terminal()) io.err().print("\r" + text + "\u001b[K");
            else io.err().println(text);
            if (done == total) {
                if (io.terminal()) io.err().println();
                io.err().printf(Locale.ROOT, "tokenized %s in %.1f s (kept in the token cache for reruns)%n", data.getFileName(), (System.nanoTime() - start) / 1e9);
            }
            io.err().flush();
        }
    }

    /** Progress: a bar redrawn in place on a terminal, otherwise a plain line now and then and at every validation. */
    private static final class StepLine {
        private static final int BAR = 24;
        private final StdStreams io;
        private final int steps, first;
        private final long start = System.nanoTime();
        private final int plainEvery;
        private double lastVal = Double.NaN;

        StepLine(StdStreams io, int steps, int first) {
            this.io = io;
            this.steps = steps;
            this.first = first;
            this.plainEvery = Math.max(1, (steps - first) / 50);
        }

        void show(StepMetrics m) {
            if (!Double.isNaN(m.valLoss())) lastVal = m.valLoss();
            double elapsed = (System.nanoTime() - start) / 1e9;
            int done = m.step() - first;
            double perStep = elapsed / Math.max(1, done);
            String text = String.format(Locale.ROOT, "step %d/%d  loss %.4f  val %s  lr %.2e  %.0f tokens/s  ETA %s",
                    m.step(), steps, m.trainLoss(), Double.isNaN(lastVal) ? "-" : String.format(Locale.ROOT, "%.4f", lastVal),
                    m.lr(), m.tokensPerSecond(), duration(perStep * (steps - m.step())));
            if (io.terminal()) {
                int fill = (int) ((long) BAR * m.step() / steps);
                io.err().print("\r[" + "=".repeat(fill) + (fill < BAR ? ">" : "") + " ".repeat(Math.max(0, BAR - fill - 1)) + "] " + text + "\u001b[K");
                if (!Double.isNaN(m.valLoss())) io.err().println();
            } else if (done % plainEvery == 0 || !Double.isNaN(m.valLoss()) || m.step() == steps) {
                io.err().println(text);
            }
            io.err().flush();
        }

        void finish(int reached) {
            if (io.terminal()) io.err().println();
            io.err().printf(Locale.ROOT, "trained %d steps in %s%s%n", reached - first, duration((System.nanoTime() - start) / 1e9),
                    reached < steps ? " (paused at step " + reached + " of " + steps + ": continue with --resume)" : "");
            io.err().flush();
        }

        private static String duration(double seconds) {
            long s = Math.round(seconds);
            return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
        }
    }
}
