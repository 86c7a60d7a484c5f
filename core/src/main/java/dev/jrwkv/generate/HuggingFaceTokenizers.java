package dev.jrwkv.generate;

import dev.jrwkv.tokenizer.Tokenizer;
import dev.jrwkv.tokenizer.TokenizerException;

import java.nio.file.Path;

/** Loads Hugging Face tokenizer.json files (byte-level BPE). */
final class HuggingFaceTokenizers {
    private HuggingFaceTokenizers() {
    }

    static Tokenizer load(Path file) {
        throw new TokenizerException(file + ": tokenizer.json support is being merged");
    }
}
