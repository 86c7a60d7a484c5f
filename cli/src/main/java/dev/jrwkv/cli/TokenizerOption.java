package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.generate.Tokenizers;
import dev.jrwkv.model.ModelConfig;
import dev.jrwkv.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --tokenizer byte|world|neox|FILE} of {@code generate} and {@code chat} (a picocli mixin). */
final class TokenizerOption {
    @Option(names = "--tokenizer", paramLabel = "byte|world|neox|FILE",
            description = "Tokenizer (default: chosen from the model's vocabulary size; vocabularies are looked up beside the model and in the cache).")
    String tokenizer;

    /** The tokenizer to use with a model, checked against its vocabulary (before the weights are loaded). */
    Tokenizer resolve(ModelConfig config, Path modelFile) {
        Tokenizer t = tokenizer == null ? Tokenizers.forModel(config, modelFile) : Tokenizers.named(tokenizer);
        if (t.vocabSize() > config.vocab()) {
            throw new JrwkvException("--tokenizer: " + t.name() + " has " + t.vocabSize() + " tokens, more than the model's vocabulary of "
                    + config.vocab());
        }
        return t;
    }
}
