package dev.jrwkv.generate;

/**
 * The outcome of one generation.
 *
 * @param text             everything generated, stop string excluded
 * @param tokens           generated token ids (a stop token is not included)
 * @param finishReason     why it ended
 * @param promptTokens     tokens read from the prompt
 * @param completionTokens tokens generated
 * @param prefillNanos     time to read the prompt
 * @param decodeNanos      time to generate
 */
public record GenerationResult(String text, int[] tokens, FinishReason finishReason, int promptTokens,
                               int completionTokens, long prefillNanos, long decodeNanos) {

    /** Prompt tokens read per second. */
    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens * 1e9 / prefillNanos;
    }

    /** Tokens generated per second. */
    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : completionTokens * 1e9 / decodeNanos;
    }
}
