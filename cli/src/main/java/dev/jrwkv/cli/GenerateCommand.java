package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.generate.Cancellation;
import dev.jrwkv.generate.GenerationResult;
import dev.jrwkv.generate.Generator;
import dev.jrwkv.generate.SamplingParams;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.ModelConfig;
import dev.jrwkv.model.State;
import dev.jrwkv.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code jrwkv generate MODEL "prompt" [-n N] [--temperature T] ... [--stats]}: continues a prompt,
 * streaming the text to stdout as it is generated (whole UTF-8 characters, flushed piece by piece).
 * Ctrl-C stops after the current token and still prints the statistics.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Continue a prompt and stream the generated text to stdout.",
                "Defaults are the official pipeline's: temperature 1.0, top-p 0.85, presence and frequency penalties 0.2 decaying by 0.996."})
final class GenerateCommand implements Callable<Integer> {
    private final StdStreams io;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL",
            description = "Model file, or a name from `jrwkv list` that was pulled; when left out, the bundled Shakespeare model.")
    String model;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PROMPT", description = "The text to continue.")
    String promptText;

    // the prompt as a flag: the interface of the byte-level generate that scripts were written for
    @Option(names = "--bytes", paramLabel = "TEXT", description = "The prompt, as a flag (the same as PROMPT).")
    String promptBytes;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    TokenizerOption tokenizer;

    @Option(names = "--state", paramLabel = "FILE", description = "Start from a saved state (a jrwkv state file, e.g. from chat's /save).")
    Path stateFile;

    @Option(names = "--stats", description = "Print prompt tokens, speed and finish reason to stderr.")
    boolean stats;

    @Mixin
    CacheOption cache;

    GenerateCommand(StdStreams io) {
        this.io = io;
    }

    /** What {@code generate} does when no flag says otherwise: the official pipeline's defaults. */
    static SamplingParams defaults() {
        return SamplingParams.defaults().withMaxTokens(256);
    }

    @Override
    public Integer call() {
        SamplingParams params = sampling.apply(defaults());   // flags first: a bad value fails before any file is read
        // one positional that is no model (a file, a catalogue name): it is the prompt for the bundled model
        if (model != null && promptText == null && promptBytes == null && !BundledModel.looksLikeModel(model) && Catalogue.find(model).isEmpty()) {
            promptText = model;
            model = null;
        }
        if (promptText != null && promptBytes != null) {
            throw new JrwkvException("give the prompt once: PROMPT and --bytes are mutually exclusive");
        }
        if (promptText == null && promptBytes == null) throw new JrwkvException("missing the prompt: give PROMPT (or --bytes TEXT)");
        String text = promptText != null ? promptText : promptBytes;
        if (text.isEmpty()) throw new JrwkvException("the prompt is empty: give at least one character");
        Path file = model == null ? BundledModel.path() : ModelArgument.resolve(model, cache.dir());
        ModelConfig config = ModelProbe.config(file);       // tokenizer checked before the weights are loaded
        Tokenizer tok = tokenizer.resolve(config, file);
        int[] ids = tok.encode(text);
        if (ids.length == 0) throw new JrwkvException("the prompt encodes to no tokens");
        for (int id : ids) {
            if (id >= config.vocab()) throw new JrwkvException("the prompt has token " + id + ", outside the model's vocabulary of " + config.vocab());
        }
        params = params.withStopTokens(EndOfText.of(tok));
        try (Model m = Model.load(file)) {
            State state = stateFile == null ? m.newState() : StateArgument.load(stateFile, m);
            Cancellation cancel = new Cancellation();
            TextOut out = new TextOut(io.stdout(), cancel);
            GenerationResult r;
            try (Interrupt ignored = Interrupt.cancels(cancel)) {   // closed after the statistics: Ctrl-C waits for them
                r = new Generator(m, tok).generate(ids, state, params, t -> out.write(t.text()), cancel);
                if (stats) printStats(r);
            }
        }
        return 0;
    }

    private void printStats(GenerationResult r) {
        io.err().println();
        io.err().printf(Locale.ROOT, "prompt: %d tokens in %.2f s (%.1f tokens/s)%n", r.promptTokens(), r.prefillNanos() / 1e9,
                r.prefillTokensPerSecond());
        io.err().printf(Locale.ROOT, "generated: %d tokens in %.2f s (%.1f tokens/s)%n", r.completionTokens(), r.decodeNanos() / 1e9,
                r.decodeTokensPerSecond());
        io.err().println("finish: " + r.finishReason().name().toLowerCase(Locale.ROOT));
        io.err().flush();
    }

    /**
     * Ctrl-C while generating: a shutdown hook cancels the generation and waits (briefly) for it to
     * end, so that the text printed so far is complete and the statistics are printed.
     */
    static final class Interrupt implements AutoCloseable {
        private final Thread hook;
        private final CountDownLatch done = new CountDownLatch(1);

        private Interrupt(Cancellation cancel) {
            hook = new Thread(() -> {
                cancel.cancel();
                try {
                    done.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "jrwkv-interrupt");
        }

        static Interrupt cancels(Cancellation cancel) {
            Interrupt i = new Interrupt(cancel);
            Runtime.getRuntime().addShutdownHook(i.hook);
            return i;
        }

        @Override
        public void close() {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down (Ctrl-C): the hook is running and now returns
            }
        }
    }
}
