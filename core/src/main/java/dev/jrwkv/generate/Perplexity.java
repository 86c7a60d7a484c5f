package dev.jrwkv.generate;

import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;

import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * Perplexity of a model over a token sequence of any length: tokens are read in chunks and the
 * state is carried from one chunk to the next, so every token is predicted from the whole text
 * before it (there is no context window). The first token has no prediction and is not scored.
 *
 * <pre>{@code
 * Perplexity.Result r = Perplexity.evaluate(model, tokenizer.encodeBytes(text), text.length, 256, done -> {});
 * System.out.println(r.perplexity() + " ppl, " + r.bitsPerByte() + " bits/byte");
 * }</pre>
 */
public final class Perplexity {
    private Perplexity() {
    }

    /**
     * @param tokens     tokens scored
     * @param bytes      bytes of text they encode
     * @param nllPerToken mean negative log-likelihood in nats
     * @param perplexity exp(nllPerToken)
     * @param bitsPerByte total NLL in bits divided by the byte count
     */
    public record Result(long tokens, long bytes, double nllPerToken, double perplexity, double bitsPerByte) {
    }

    /**
     * @param textBytes the byte length of the text the tokens came from (for bits per byte)
     * @param chunk     tokens per forward call
     * @param progress  called with the number of tokens read so far
     */
    public static Result evaluate(Model model, int[] tokens, long textBytes, int chunk, LongConsumer progress) {
        if (tokens.length < 2) throw new IllegalArgumentException("need at least two tokens to measure perplexity");
        if (chunk < 1) throw new IllegalArgumentException("chunk must be >= 1");
        int vocab = model.config().vocab();
        State state = model.newState();
        double nll = 0;
        long scored = 0;
        for (int start = 0; start < tokens.length - 1; start += chunk) {
            int end = Math.min(tokens.length - 1, start + chunk);
            float[] logits = model.forwardAll(Arrays.copyOfRange(tokens, start, end), state);
            for (int t = start; t < end; t++) {
                nll -= logSoftmax(logits, (t - start) * vocab, vocab, tokens[t + 1]);
                scored++;
            }
            progress.accept(end);
        }
        double perToken = nll / scored;
        return new Result(scored, textBytes, perToken, Math.exp(perToken), nll / Math.log(2) / textBytes);
    }

    /** log p(target) from one row of logits, in double precision. */
    static double logSoftmax(float[] logits, int offset, int n, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[offset + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(logits[offset + i] - max);
        return logits[offset + target] - max - Math.log(sum);
    }
}
