package dev.jrwkv.generate;

import dev.jrwkv.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * The decoding of one sequence, one token at a time, for callers that run the model themselves (a
 * server that advances many sequences in one batched forward). Same semantics as {@link Generator}:
 * every chosen token, stop token included, is to be fed into the sequence's state; only complete
 * UTF-8 characters are released, and text that may start a stop string is held back.
 *
 * <pre>{@code
 * SequenceDecoder d = new SequenceDecoder(tokenizer, SamplingParams.greedy().withMaxTokens(20));
 * float[] logits = model.forward(prompt, state);
 * while (!d.finished()) {
 *     int token = d.sample(logits);
 *     logits = model.step(token, state);       // the chosen token goes into the state
 *     System.out.print(d.accept(token));
 * }
 * System.out.print(d.flush());
 * }</pre>
 */
public final class SequenceDecoder {
    private final Tokenizer tokenizer;
    private final SamplingParams params;
    private final Sampler sampler;
    private final TextStream text;
    private int[] tokens = new int[16];
    private int count;
    private FinishReason reason;
    private boolean flushed;

    public SequenceDecoder(Tokenizer tokenizer, SamplingParams params) {
        this.tokenizer = tokenizer;
        this.params = params;
        this.sampler = new Sampler(params, id -> Sampler.exemptionOf(tokenizer.decode(new int[] {id})));
        this.text = new TextStream(params.stopStrings());
        if (params.maxTokens() == 0) reason = FinishReason.LENGTH;
    }

    /** Picks the next token from the logits after the last token fed. */
    public int sample(float[] logits) {
        if (finished()) throw new IllegalStateException("decoding has finished (" + reason + ")");
        return sampler.sample(logits);
    }

    /**
     * Records the token just sampled (the caller feeds it into the state) and returns the text that
     * becomes visible with it (may be empty). Afterwards {@link #finished()} tells whether it ended
     * the sequence: a stop token, a stop string, or the token budget.
     */
    public String accept(int token) {
        if (finished()) throw new IllegalStateException("decoding has finished (" + reason + ")");
        if (params.stopTokens().contains(token)) {
            reason = FinishReason.STOP;
            return "";
        }
        sampler.accept(token);
        if (count == tokens.length) tokens = Arrays.copyOf(tokens, count * 2);
        tokens[count++] = token;
        String piece = text.push(tokenizer.tokenBytes(token));
        if (text.stopped()) reason = FinishReason.STOP;
        else if (count >= params.maxTokens()) reason = FinishReason.LENGTH;
        return piece;
    }

    /** Ends the sequence early (the client went away); no effect once finished. */
    public void cancel() {
        if (reason == null) reason = FinishReason.CANCELLED;
    }

    /** Once finished: the text held back until the end (undecodable trailing bytes as U+FFFD); empty the second time. */
    public String flush() {
        if (!finished()) throw new IllegalStateException("flush before the sequence finished");
        if (flushed) return "";
        flushed = true;
        return text.finish();
    }

    public boolean finished() {
        return reason != null;
    }

    /** Why the sequence ended, or null while it runs. */
    public FinishReason finishReason() {
        return reason;
    }

    /** Tokens generated so far (a stop token is not included). */
    public int[] tokens() {
        return Arrays.copyOf(tokens, count);
    }

    public int completionTokens() {
        return count;
    }

    /** All text released so far (stop string excluded). */
    public String text() {
        return text.text();
    }
}
