package dev.jrwkv.generate;

import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import dev.jrwkv.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * Generates text from a model: reads the prompt into the state (in chunks, sequence mode), then
 * samples token by token, streaming complete characters to a listener. Every generated token is
 * fed into the state as soon as it is chosen, so after the call the state holds the prompt and all
 * generated tokens, stop token or stop string included: the next turn of a conversation continues
 * from it with only its new text, and nothing is fed twice.
 *
 * <pre>{@code
 * Generator g = new Generator(model, tokenizer);
 * State s = model.newState();
 * GenerationResult r = g.generate("User: hi\n\nAssistant:", s, SamplingParams.defaults(), t -> System.out.print(t.text()));
 * }</pre>
 */
public final class Generator {
    /** Prompt tokens read per forward call: bounds activation memory for long prompts. */
    public static final int PROMPT_CHUNK = 256;

    private final Model model;
    private final Tokenizer tokenizer;

    public Generator(Model model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    public GenerationResult generate(String prompt, State state, SamplingParams params, GenerationListener listener) {
        return generate(tokenizer.encode(prompt), state, params, listener, new Cancellation());
    }

    /** Reads {@code prompt} (at least one token) into {@code state}, then generates. */
    public GenerationResult generate(int[] prompt, State state, SamplingParams params, GenerationListener listener, Cancellation cancel) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt must hold at least one token");
        long start = System.nanoTime();
        float[] logits = null;
        for (int i = 0; i < prompt.length; i += PROMPT_CHUNK) {
            logits = model.forward(Arrays.copyOfRange(prompt, i, Math.min(prompt.length, i + PROMPT_CHUNK)), state);
        }
        long prefill = System.nanoTime() - start;
        return continueFrom(logits, prompt.length, prefill, start, state, params, listener, cancel);
    }

    private GenerationResult continueFrom(float[] logits, int promptTokens, long prefill, long start, State state,
                                          SamplingParams params, GenerationListener listener, Cancellation cancel) {
        Sampler sampler = new Sampler(params, id -> Sampler.exemptionOf(tokenizer.decode(new int[] {id})));
        TextStream text = new TextStream(params.stopStrings());
        int[] out = new int[Math.min(params.maxTokens(), 1 << 16)];
        int n = 0;
        FinishReason reason = FinishReason.LENGTH;
        long decodeStart = System.nanoTime();
        for (int i = 0; i < params.maxTokens(); i++) {
            if (cancel.isCancelled()) {
                reason = FinishReason.CANCELLED;
                break;
            }
            int token = sampler.sample(logits);
            logits = model.step(token, state);
            if (params.stopTokens().contains(token)) {
                reason = FinishReason.STOP;
                break;
            }
            sampler.accept(token);
            if (n == out.length) out = Arrays.copyOf(out, out.length * 2);
            out[n++] = token;
            String piece = text.push(tokenizer.tokenBytes(token));
            listener.onToken(new GeneratedToken(token, piece, i, System.nanoTime() - start));
            if (text.stopped()) {
                reason = FinishReason.STOP;
                break;
            }
        }
        String rest = text.finish();
        if (!rest.isEmpty()) listener.onToken(new GeneratedToken(-1, rest, n, System.nanoTime() - start));
        return new GenerationResult(text.text(), Arrays.copyOf(out, n), reason, promptTokens, n, prefill, System.nanoTime() - decodeStart);
    }
}
