package dev.jrwkv.generate;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How to pick tokens and when to stop. Defaults are those of the official pipeline
 * ({@code PIPELINE_ARGS}: temperature 1.0, top-p 0.85, top-k off, presence and frequency penalty
 * 0.2 decaying by 0.996 per token).
 *
 * <pre>{@code
 * SamplingParams p = SamplingParams.defaults().withTemperature(0.8f).withSeed(42L).withMaxTokens(200);
 * SamplingParams greedy = SamplingParams.greedy();
 * }</pre>
 *
 * @param maxTokens        most tokens to generate
 * @param temperature      0 = greedy (the official pipeline's convention)
 * @param topP             nucleus: keep the smallest set of top tokens whose probability reaches this
 * @param topK             keep only the k most likely tokens; 0 = off
 * @param minP             drop tokens whose probability is below minP x the top probability; 0 = off
 * @param presencePenalty  subtracted from the logit of every token generated so far
 * @param frequencyPenalty subtracted once per (decayed) occurrence
 * @param penaltyDecay     occurrence counts are multiplied by this after every token
 * @param seed             random seed for reproducible runs; null = random
 * @param bannedTokens     never generated
 * @param stopTokens       generation ends when one is sampled (it is not part of the text)
 * @param stopStrings      generation ends when the text contains one (it is not part of the text)
 * @param logitBias        added to the logits of these tokens before sampling
 */
public record SamplingParams(int maxTokens, float temperature, float topP, int topK, float minP,
                             float presencePenalty, float frequencyPenalty, float penaltyDecay, Long seed,
                             Set<Integer> bannedTokens, Set<Integer> stopTokens, List<String> stopStrings,
                             Map<Integer, Float> logitBias) {

    public SamplingParams {
        if (maxTokens < 0) throw new IllegalArgumentException("maxTokens must be >= 0, got " + maxTokens);
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (!(topP >= 0 && topP <= 1)) throw new IllegalArgumentException("topP must be in [0, 1], got " + topP);
        if (topK < 0) throw new IllegalArgumentException("topK must be >= 0, got " + topK);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("minP must be in [0, 1], got " + minP);
        if (!Float.isFinite(presencePenalty) || !Float.isFinite(frequencyPenalty)) throw new IllegalArgumentException("penalties must be finite");
        if (!(penaltyDecay >= 0 && penaltyDecay <= 1)) throw new IllegalArgumentException("penaltyDecay must be in [0, 1], got " + penaltyDecay);
        bannedTokens = Set.copyOf(bannedTokens);
        stopTokens = Set.copyOf(stopTokens);
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) if (s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
        logitBias = Map.copyOf(logitBias);
    }

    /** The official pipeline's defaults, 256 tokens. */
    public static SamplingParams defaults() {
        return new SamplingParams(256, 1.0f, 0.85f, 0, 0f, 0.2f, 0.2f, 0.996f, null, Set.of(), Set.of(), List.of(), Map.of());
    }

    /** Always the most likely token, no penalties. */
    public static SamplingParams greedy() {
        return defaults().withTemperature(0f).withPenalties(0f, 0f);
    }

    public SamplingParams withMaxTokens(int n) {
        return new SamplingParams(n, temperature, topP, topK, minP, presencePenalty, frequencyPenalty, penaltyDecay, seed, bannedTokens, stopTokens, stopStrings, logitBias);
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(maxTokens, t, topP, topK, minP, presencePenalty, frequencyPenalty, penaltyDecay, seed, bannedTokens, stopTokens, stopStrings, logitBias);
    }

    public SamplingParams withTopP(float p) {
        return new SamplingParams(maxTokens, temperature, p, topK, minP, presencePenalty, frequencyPenalty, penaltyDecay, seed, bannedTokens, stopTokens, stopStrings, logitBias);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(maxTokens, temperature, topP, k, minP, presencePenalty, frequencyPenalty, penaltyDecay, seed, bannedTokens, stopTokens, stopStrings, logitBias);
    }

    public SamplingParams withMinP(float p) {
        return new SamplingParams(maxTokens, temperature, topP, topK, p, presencePenalty, frequencyPenalty, penaltyDecay, seed, bannedTokens, stopTokens, stopStrings, logitBias);
    }

    public SamplingParams withPenalties(float presence, float frequency) {
        return new SamplingParams(maxTokens, temperature, topP, topK, minP, presence, frequency, penaltyDecay, seed, bannedTokens, stopTokens, stopStrings, logitBias);
    }

    public SamplingParams withPenaltyDecay(float decay) {
        return new SamplingParams(maxTokens, temperature, topP, topK, minP, presencePenalty, frequencyPenalty, decay, seed, bannedTokens, stopTokens, stopStrings, logitBias);
    }

    public SamplingParams withSeed(Long s) {
        return new SamplingParams(maxTokens, temperature, topP, topK, minP, presencePenalty, frequencyPenalty, penaltyDecay, s, bannedTokens, stopTokens, stopStrings, logitBias);
    }

    public SamplingParams withBannedTokens(Set<Integer> ids) {
        return new SamplingParams(maxTokens, temperature, topP, topK, minP, presencePenalty, frequencyPenalty, penaltyDecay, seed, ids, stopTokens, stopStrings, logitBias);
    }

    public SamplingParams withStopTokens(Set<Integer> ids) {
        return new SamplingParams(maxTokens, temperature, topP, topK, minP, presencePenalty, frequencyPenalty, penaltyDecay, seed, bannedTokens, ids, stopStrings, logitBias);
    }

    public SamplingParams withStopStrings(List<String> stops) {
        return new SamplingParams(maxTokens, temperature, topP, topK, minP, presencePenalty, frequencyPenalty, penaltyDecay, seed, bannedTokens, stopTokens, stops, logitBias);
    }

    public SamplingParams withLogitBias(Map<Integer, Float> bias) {
        return new SamplingParams(maxTokens, temperature, topP, topK, minP, presencePenalty, frequencyPenalty, penaltyDecay, seed, bannedTokens, stopTokens, stopStrings, bias);
    }
}
