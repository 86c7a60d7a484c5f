package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.generate.SamplingParams;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * The sampling flags shared by {@code generate} and {@code chat} (a picocli mixin). Flags left out
 * keep the command's base values; every value is checked here so that a bad one is reported with
 * its flag's name.
 */
final class SamplingOptions {
    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", description = "Most tokens to generate.")
    Integer maxTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature, >= 0 (0 = greedy).")
    Float temperature;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus sampling: keep the top tokens up to this probability, 0..1.")
    Float topP;

    @Option(names = "--top-k", paramLabel = "K", description = "Keep only the K most likely tokens (0 = off).")
    Integer topK;

    @Option(names = "--min-p", paramLabel = "P", description = "Drop tokens below P x the top probability, 0..1 (0 = off).")
    Float minP;

    @Option(names = "--presence-penalty", paramLabel = "X", description = "Subtracted from the logit of every token already generated.")
    Float presencePenalty;

    @Option(names = "--frequency-penalty", paramLabel = "X", description = "Subtracted once per (decayed) occurrence of a token.")
    Float frequencyPenalty;

    @Option(names = "--penalty-decay", paramLabel = "D", description = "Occurrence counts are multiplied by D after every token, 0..1.")
    Float penaltyDecay;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed, for reproducible sampling.")
    Long seed;

    @Option(names = "--stop", paramLabel = "STR",
            description = "Stop when the text contains STR (not printed); may be given several times. Escapes \\n and \\t are understood.")
    List<String> stops = new ArrayList<>();

    @Option(names = "--greedy", description = "Always take the most likely token (temperature 0, no penalties).")
    boolean greedy;

    /** {@code base} with the flags given applied. */
    SamplingParams apply(SamplingParams base) {
        if (greedy) {
            for (Object[] f : new Object[][] {{"--temperature", temperature}, {"--top-p", topP}, {"--top-k", topK}, {"--min-p", minP},
                    {"--presence-penalty", presencePenalty}, {"--frequency-penalty", frequencyPenalty}, {"--seed", seed}}) {
                if (f[1] != null) throw new JrwkvException("--greedy and " + f[0] + " contradict each other: give one of them");
            }
        }
        SamplingParams p = base;
        if (maxTokens != null) {
            if (maxTokens < 0) throw new JrwkvException("-n must be 0 or more, got " + maxTokens);
            p = p.withMaxTokens(maxTokens);
        }
        if (greedy) p = p.withTemperature(0f).withPenalties(0f, 0f);
        if (temperature != null) p = p.withTemperature(check("--temperature", temperature, 0, Float.MAX_VALUE));
        if (topP != null) p = p.withTopP(check("--top-p", topP, 0, 1));
        if (topK != null) {
            if (topK < 0) throw new JrwkvException("--top-k must be 0 (off) or more, got " + topK);
            p = p.withTopK(topK);
        }
        if (minP != null) p = p.withMinP(check("--min-p", minP, 0, 1));
        if (presencePenalty != null || frequencyPenalty != null) {
            p = p.withPenalties(presencePenalty == null ? p.presencePenalty() : check("--presence-penalty", presencePenalty, -Float.MAX_VALUE, Float.MAX_VALUE),
                    frequencyPenalty == null ? p.frequencyPenalty() : check("--frequency-penalty", frequencyPenalty, -Float.MAX_VALUE, Float.MAX_VALUE));
        }
        if (penaltyDecay != null) p = p.withPenaltyDecay(check("--penalty-decay", penaltyDecay, 0, 1));
        if (seed != null) p = p.withSeed(seed);
        if (!stops.isEmpty()) {
            List<String> all = new ArrayList<>(p.stopStrings());
            for (String s : stops) {
                String unescaped = unescape(s);
                if (unescaped.isEmpty()) throw new JrwkvException("--stop: a stop string must not be empty");
                all.add(unescaped);
            }
            p = p.withStopStrings(all);
        }
        return p;
    }

    private static float check(String flag, float value, float min, float max) {
        if (!(value >= min && value <= max)) {
            String range = min == 0 && max == 1 ? "between 0 and 1" : min == 0 ? "0 or more" : "a finite number";
            throw new JrwkvException(flag + " must be " + range + ", got " + value);
        }
        return value;
    }

    /** {@code \n}, {@code \t} and {@code \\} as typed on a command line. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(i + 1);
                switch (n) {
                    case 'n' -> { b.append('\n'); i++; }
                    case 't' -> { b.append('\t'); i++; }
                    case 'r' -> { b.append('\r'); i++; }
                    case '\\' -> { b.append('\\'); i++; }
                    default -> b.append(c);
                }
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
