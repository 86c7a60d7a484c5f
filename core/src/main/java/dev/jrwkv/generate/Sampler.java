package dev.jrwkv.generate;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;

/**
 * Picks the next token the way the official pipeline does ({@code PIPELINE.generate} and
 * {@code sample_logits}): logits get the ban, the bias and the presence/frequency penalties; then
 * softmax, top-p cut, top-k cut, min-p cut, temperature ({@code p^(1/T)}), renormalise, draw.
 * Occurrence counts decay after every token, and tokens whose text is a piece of
 * {@code " \t0123456789"} count with weight 0 (the official exemption: they still get the presence
 * penalty, never the frequency one). One sampler per sequence: it holds that sequence's counts and
 * random stream.
 *
 * <pre>{@code
 * Sampler s = new Sampler(SamplingParams.defaults().withSeed(7L), id -> tokenizer.decode(new int[] {id}).isBlank());
 * int next = s.sample(logits);
 * s.accept(next);
 * }</pre>
 */
public final class Sampler {
    private static final String EXEMPT = " \t0123456789";

    private final SamplingParams params;
    private final IntPredicate exempt;
    private final SplittableRandom random;
    private final Map<Integer, Float> occurrence = new HashMap<>();

    /**
     * @param exempt true for tokens whose text is a substring of {@code " \t0123456789"}; see {@link #exemptionOf}
     */
    public Sampler(SamplingParams params, IntPredicate exempt) {
        this.params = params;
        this.exempt = exempt;
        this.random = params.seed() == null ? new SplittableRandom() : new SplittableRandom(params.seed());
    }

    /** The official exemption test for a token's decoded text. */
    public static boolean exemptionOf(String tokenText) {
        return EXEMPT.contains(tokenText);
    }

    /** Draws the next token from {@code logits} (not modified). */
    public int sample(float[] logits) {
        float[] l = adjusted(logits);
        return draw(probabilities(l));
    }

    /** Records a generated token: decays the counts, then counts it. */
    public void accept(int token) {
        occurrence.replaceAll((k, v) -> v * params.penaltyDecay());
        occurrence.merge(token, exempt.test(token) ? 0f : 1f, Float::sum);
    }

    /** Logits after ban, bias and penalties (a copy). */
    float[] adjusted(float[] logits) {
        float[] l = logits.clone();
        params.logitBias().forEach((id, b) -> { if (id >= 0 && id < l.length) l[id] += b; });
        for (int id : params.bannedTokens()) if (id >= 0 && id < l.length) l[id] = Float.NEGATIVE_INFINITY;
        occurrence.forEach((id, n) -> { if (id < l.length) l[id] -= params.presencePenalty() + n * params.frequencyPenalty(); });
        return l;
    }

    /** The final distribution: softmax, top-p, top-k, min-p, temperature, normalised. */
    double[] probabilities(float[] logits) {
        float temperature = params.temperature();
        float topP = params.topP();
        if (temperature == 0f) {           // the official greedy convention: top-p 0 keeps only the top probability
            temperature = 1f;
            topP = 0f;
        }
        int n = logits.length;
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < n; i++) p[i] /= sum;

        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));   // descending, stable
        double cumulative = 0, cutoff = topP >= 1f ? 0 : p[order[0]];
        // topP >= 1 keeps everything (the official loop can fall through to "top token only" on rounding)
        for (int i = 0; i < n && topP < 1f; i++) {
            cumulative += p[order[i]];
            if (cumulative >= topP) {
                cutoff = p[order[i]];
                break;
            }
        }
        for (int i = 0; i < n; i++) if (p[i] < cutoff) p[i] = 0;
        if (params.topK() > 0 && params.topK() < n) {
            for (int i = params.topK(); i < n; i++) p[order[i]] = 0;
        }
        if (params.minP() > 0) {
            double floor = params.minP() * p[order[0]];
            for (int i = 0; i < n; i++) if (p[i] < floor) p[i] = 0;
        }
        if (temperature != 1f) {
            for (int i = 0; i < n; i++) if (p[i] > 0) p[i] = Math.pow(p[i], 1.0 / temperature);
        }
        double total = 0;
        for (double v : p) total += v;
        if (!(total > 0)) {                // everything cut or underflowed: fall back to the most likely token
            Arrays.fill(p, 0);
            p[order[0]] = 1;
            return p;
        }
        for (int i = 0; i < n; i++) p[i] /= total;
        return p;
    }

    private int draw(double[] p) {
        double u = random.nextDouble();
        double c = 0;
        int last = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] <= 0) continue;
            c += p[i];
            last = i;
            if (u < c) return i;
        }
        return last;
    }
}
