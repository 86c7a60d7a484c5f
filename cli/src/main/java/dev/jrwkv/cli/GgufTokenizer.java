package dev.jrwkv.cli;

import dev.jrwkv.format.GgufValue;
import dev.jrwkv.generate.Tokenizers;
import dev.jrwkv.model.ModelConfig;
import dev.jrwkv.tokenizer.ByteTokenizer;
import dev.jrwkv.tokenizer.Tokenizer;
import dev.jrwkv.tokenizer.TokenizerException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.SequencedMap;

/** The tokenizer keys a GGUF written by {@code convert} or {@code quantize} carries. */
final class GgufTokenizer {
    private GgufTokenizer() {
    }

    /**
     * llama.cpp's World tokenizer keys when the model has a World vocabulary and the vocabulary is found
     * ({@code --tokenizer}, beside the model, in the cache); none for byte-level models. A missing
     * vocabulary is a warning, not an error: the GGUF is still valid for jrwkv.
     */
    static SequencedMap<String, GgufValue> metadata(ModelConfig config, Path model, String tokenizerOption, StdStreams io) {
        if (tokenizerOption == null && config.vocab() == ByteTokenizer.VOCAB_SIZE) return new LinkedHashMap<>();
        try {
            Tokenizer t = tokenizerOption != null ? Tokenizers.named(tokenizerOption) : Tokenizers.forModel(config, model);
            return Tokenizers.ggufMetadata(t, config.vocab());
        } catch (TokenizerException e) {
            if (tokenizerOption != null) throw e;
            io.err().println("jrwkv: warning: no tokenizer written into the GGUF (" + e.getMessage() + ")");
            return new LinkedHashMap<>();
        }
    }
}
