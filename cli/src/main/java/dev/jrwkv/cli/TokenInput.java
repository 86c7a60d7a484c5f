package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.model.ModelConfig;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;

/**
 * The input of a command, given either as token ids ({@code --tokens 34,105,110}) or as text fed
 * byte by byte ({@code --bytes '"in'}, byte-level models only). Used as an exclusive, required
 * picocli argument group, so picocli rejects both or neither.
 */
final class TokenInput {
    @Option(names = "--tokens", split = ",", paramLabel = "IDS", required = true,
            description = "Token ids, comma separated, e.g. 34,105,110.")
    int[] tokens;

    @Option(names = "--bytes", paramLabel = "TEXT", required = true,
            description = "Text whose UTF-8 bytes are the tokens (byte-level models, vocabulary 256).")
    String text;

    /** The token ids, checked against the model's vocabulary. */
    int[] resolve(ModelConfig config) {
        int[] ids = text != null ? bytesOf(text, config) : tokens;
        if (ids.length == 0) throw new JrwkvException("no input tokens: give at least one token (or byte)");
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= config.vocab()) {
                throw new JrwkvException("--tokens: token " + ids[i] + " (position " + i + ") is outside the vocabulary 0.."
                        + (config.vocab() - 1));
            }
        }
        return ids;
    }

    private static int[] bytesOf(String text, ModelConfig config) {
        requireByteLevel(config, "--bytes");
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length];
        for (int i = 0; i < b.length; i++) ids[i] = b[i] & 0xFF;
        return ids;
    }

    /** Byte-level models have 256 tokens, token = byte; others need a tokenizer, which comes later. */
    static void requireByteLevel(ModelConfig config, String what) {
        if (config.vocab() != 256) {
            throw new JrwkvException(what + " needs a byte-level model (vocabulary 256); this model has a vocabulary of "
                    + config.vocab() + ": tokenizers are not supported yet (they come later)"
                    + ("--bytes".equals(what) ? ", pass token ids with --tokens" : ""));
        }
    }
}
