package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.generate.SamplingParams;

import java.util.Locale;

/**
 * Chat's {@code /params} command: shows the sampling parameters as {@code key=value} pairs, and
 * sets them from the same form, e.g. {@code /params temperature=0.7 top_p=0.5 seed=42}.
 */
final class ChatParams {
    private ChatParams() {
    }

    static String show(SamplingParams p) {
        return String.format(Locale.ROOT,
                "max_tokens=%d temperature=%s top_p=%s top_k=%d min_p=%s presence_penalty=%s frequency_penalty=%s penalty_decay=%s seed=%s",
                p.maxTokens(), p.temperature(), p.topP(), p.topK(), p.minP(), p.presencePenalty(), p.frequencyPenalty(), p.penaltyDecay(),
                p.seed() == null ? "none" : p.seed());
    }

    /** {@code p} with each {@code key=value} of {@code assignments} applied; unknown keys and bad values are errors. */
    static SamplingParams set(SamplingParams p, String assignments) {
        SamplingParams out = p;
        for (String a : assignments.trim().split("\\s+")) {
            int eq = a.indexOf('=');
            if (eq <= 0) throw new JrwkvException("/params: expected key=value, got '" + a + "'");
            String key = a.substring(0, eq).toLowerCase(Locale.ROOT).replace('-', '_');
            String value = a.substring(eq + 1);
            try {
                out = switch (key) {
                    case "max_tokens", "n" -> out.withMaxTokens(atLeast(key, Integer.parseInt(value), 0));
                    case "temperature" -> out.withTemperature(range(key, Float.parseFloat(value), 0, Float.MAX_VALUE));
                    case "top_p" -> out.withTopP(range(key, Float.parseFloat(value), 0, 1));
                    case "top_k" -> out.withTopK(atLeast(key, Integer.parseInt(value), 0));
                    case "min_p" -> out.withMinP(range(key, Float.parseFloat(value), 0, 1));
                    case "presence_penalty" -> out.withPenalties(range(key, Float.parseFloat(value), -Float.MAX_VALUE, Float.MAX_VALUE),
                            out.frequencyPenalty());
                    case "frequency_penalty" -> out.withPenalties(out.presencePenalty(),
                            range(key, Float.parseFloat(value), -Float.MAX_VALUE, Float.MAX_VALUE));
                    case "penalty_decay" -> out.withPenaltyDecay(range(key, Float.parseFloat(value), 0, 1));
                    case "seed" -> out.withSeed(value.equals("none") ? null : Long.parseLong(value));
                    default -> throw new JrwkvException("/params: unknown parameter '" + key + "' (known: max_tokens, temperature, top_p, top_k, "
                            + "min_p, presence_penalty, frequency_penalty, penalty_decay, seed)");
                };
            } catch (NumberFormatException e) {
                throw new JrwkvException("/params: " + key + " needs a number, got '" + value + "'");
            }
        }
        return out;
    }

    private static float range(String key, float v, float min, float max) {
        if (!(v >= min && v <= max)) {
            throw new JrwkvException("/params: " + key + " must be " + (max == 1 ? "between 0 and 1" : min == 0 ? "0 or more" : "finite")
                    + ", got " + v);
        }
        return v;
    }

    private static int atLeast(String key, int v, int min) {
        if (v < min) throw new JrwkvException("/params: " + key + " must be " + min + " or more, got " + v);
        return v;
    }
}
