package dev.jrwkv.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrwkv.JrwkvException;
import dev.jrwkv.generate.Perplexity;
import dev.jrwkv.generate.Tokenizers;
import dev.jrwkv.model.Model;
import dev.jrwkv.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code jrwkv perplexity MODEL --text FILE [--chunk N] [--tokenizer ...] [--json]}: perplexity and
 * bits per byte of a model over a text of any length; the state is carried from chunk to chunk, so
 * there is no context limit. {@code --json} prints one object
 * {@code {"tokens", "bytes", "nll_per_token", "perplexity", "bits_per_byte"}} (a stable interface).
 */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Measure perplexity and bits per byte over a text file.")
final class PerplexityCommand implements Callable<Integer> {
    private final StdStreams io;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "Model file in any format jrwkv reads.")
    Path model;

    @Option(names = "--text", required = true, paramLabel = "FILE", description = "The text to score (its bytes, any encoding the tokenizer takes).")
    Path text;

    @Option(names = "--chunk", paramLabel = "N", defaultValue = "256", description = "Tokens per forward call (default: ${DEFAULT-VALUE}).")
    int chunk;

    @Option(names = "--max-bytes", paramLabel = "N", description = "Score only the first N bytes of the text.")
    Long maxBytes;

    @Option(names = "--tokenizer", paramLabel = "NAME|FILE", description = "byte, world, neox or a vocabulary file (default: chosen for the model).")
    String tokenizer;

    @Option(names = "--json", description = "Print one JSON object: tokens, bytes, nll_per_token, perplexity, bits_per_byte.")
    boolean json;

    PerplexityCommand(StdStreams io) {
        this.io = io;
    }

    @Override
    public Integer call() throws IOException {
        if (model == null) throw new JrwkvException("no MODEL given, and jrwkv has no bundled model yet: pass a model file");
        if (chunk < 1) throw new JrwkvException("--chunk must be at least 1, got " + chunk);
        if (maxBytes != null && maxBytes < 1) throw new JrwkvException("--max-bytes must be at least 1, got " + maxBytes);
        if (!Files.isRegularFile(text)) throw new JrwkvException("cannot read --text " + text + ": no such file");
        byte[] bytes = Files.readAllBytes(text);
        if (maxBytes != null && bytes.length > maxBytes) bytes = Arrays.copyOf(bytes, (int) (long) maxBytes);
        var config = ModelProbe.config(model);
        Tokenizer tok = tokenizer != null ? Tokenizers.named(tokenizer) : Tokenizers.forModel(config, model);
        int[] tokens = tok.encodeBytes(bytes);
        if (tokens.length < 2) throw new JrwkvException("--text " + text + " holds " + tokens.length + " token(s): at least two are needed");
        Perplexity.Result r;
        try (Model m = Model.load(model)) {
            ProgressBar bar = ProgressBar.on(io.err(), "scoring");
            r = Perplexity.evaluate(m, tokens, bytes.length, chunk, done -> bar.update(done, tokens.length - 1, null));
            bar.done("scored " + r.tokens() + " tokens");
        }
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode o = mapper.createObjectNode();
            o.put("tokens", r.tokens());
            o.put("bytes", r.bytes());
            o.put("nll_per_token", r.nllPerToken());
            o.put("perplexity", r.perplexity());
            o.put("bits_per_byte", r.bitsPerByte());
            io.out().println(mapper.writeValueAsString(o));
        } else {
            io.out().println(String.format(Locale.ROOT, "%s: %d tokens, %d bytes, perplexity %.4f, %.4f bits/byte (nll %.5f nats/token)",
                    text.getFileName(), r.tokens(), r.bytes(), r.perplexity(), r.bitsPerByte(), r.nllPerToken()));
        }
        return 0;
    }
}
