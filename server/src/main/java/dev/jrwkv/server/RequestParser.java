package dev.jrwkv.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jrwkv.generate.ChatFormat;
import dev.jrwkv.generate.SamplingParams;
import dev.jrwkv.tokenizer.Tokenizer;
import dev.jrwkv.tokenizer.TokenizerException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks an OpenAI request body and turns it into an {@link ApiRequest}. Every parameter accepted
 * is honoured; a parameter jrwkv cannot honour (tools, logprobs, echo, ...) is refused with a 400
 * naming it, and so is an unknown one, rather than silently ignored. Only parameters that do not
 * change the output ({@code user}, {@code metadata}, {@code store}, {@code service_tier}) are
 * accepted and ignored. Defaults are OpenAI's (temperature 1, top-p 1, no penalties) except
 * {@code max_tokens}, which defaults to the server's setting.
 */
final class RequestParser {
    private static final Set<String> COMMON = Set.of("model", "max_tokens", "temperature", "top_p", "top_k", "min_p",
            "presence_penalty", "frequency_penalty", "penalty_decay", "stop", "seed", "n", "stream", "stream_options",
            "logit_bias", "state", "user", "metadata", "store", "service_tier", "logprobs", "response_format", "tools",
            "tool_choice", "parallel_tool_calls");
    private static final Set<String> COMPLETION = Set.of("prompt", "echo", "best_of", "suffix");
    private static final Set<String> CHAT = Set.of("messages", "max_completion_tokens", "top_logprobs");
    static final int MAX_STOPS = 16;

    private final Tokenizer tokenizer;
    private final int vocab;
    private final ServerOptions options;

    RequestParser(Tokenizer tokenizer, int vocab, ServerOptions options) {
        this.tokenizer = tokenizer;
        this.vocab = vocab;
        this.options = options;
    }

    ApiRequest parse(JsonNode body, boolean chat) {
        if (body == null || !body.isObject()) throw ApiException.invalid(null, "the request body must be a JSON object");
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!COMMON.contains(f) && !(chat ? CHAT : COMPLETION).contains(f)) {
                throw new ApiException(400, "invalid_request_error", f, "unknown_parameter", "Unrecognized request argument supplied: " + f);
            }
        }
        model(body);
        unsupported(body, chat);

        List<int[]> prompts = chat ? List.of(chatPrompt(body)) : completionPrompts(body);
        long promptTokens = 0;
        for (int[] p : prompts) promptTokens += p.length;
        if (promptTokens > options.limits().maxPromptTokens()) {
            String param = chat ? "messages" : "prompt";
            throw new ApiException(400, "invalid_request_error", param, "context_length_exceeded",
                    "the " + param + " has " + promptTokens + " tokens; this server accepts at most " + options.limits().maxPromptTokens() + " per request");
        }
        String maxName = chat && present(body, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        int maxTokens = present(body, maxName) ? integer(body, maxName, 1, options.limits().maxTokens()) : Math.min(options.defaultMaxTokens(), options.limits().maxTokens());
        float temperature = number(body, "temperature", 0, 2, 1);
        float topP = number(body, "top_p", 0, 1, 1);
        int topK = present(body, "top_k") ? Math.max(0, integer(body, "top_k", -1, Integer.MAX_VALUE)) : 0;
        float minP = number(body, "min_p", 0, 1, 0);
        float presence = number(body, "presence_penalty", -2, 2, 0);
        float frequency = number(body, "frequency_penalty", -2, 2, 0);
        float decay = number(body, "penalty_decay", 0, 1, 1);
        Long seed = present(body, "seed") ? seed(body.get("seed")) : null;
        int n = present(body, "n") ? integer(body, "n", 1, options.limits().maxN()) : 1;
        boolean stream = present(body, "stream") && bool(body, "stream");
        boolean includeUsage = false;
        if (present(body, "stream_options")) {
            JsonNode so = body.get("stream_options");
            if (!stream) throw ApiException.invalid("stream_options", "stream_options is only allowed when stream is true");
            if (!so.isObject()) throw ApiException.invalid("stream_options", "stream_options must be an object");
            for (Iterator<String> it = so.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!f.equals("include_usage")) throw ApiException.invalid("stream_options." + f, "unknown stream option " + f);
            }
            includeUsage = present(so, "include_usage") && bool(so, "include_usage", "stream_options.include_usage");
        }
        List<String> stops = stops(body, chat);
        Map<Integer, Float> bias = logitBias(body);
        String state = null;
        if (present(body, "state")) {
            if (!body.get("state").isTextual() || body.get("state").asText().isEmpty()) throw ApiException.invalid("state", "state must be a non-empty string naming a state file");
            state = body.get("state").asText();
        }
        SamplingParams params = new SamplingParams(maxTokens, temperature, topP, topK, minP, presence, frequency, decay, seed,
                Set.of(), Set.of(), stops, bias);
        return new ApiRequest(chat, prompts, n, stream, includeUsage, params, state);
    }

    private void model(JsonNode body) {
        if (!present(body, "model")) return;   // lenient: the one model served
        JsonNode m = body.get("model");
        if (!m.isTextual()) throw ApiException.invalid("model", "model must be a string");
        if (!m.asText().equals(options.modelName())) {
            throw new ApiException(404, "invalid_request_error", "model", "model_not_found",
                    "The model '" + m.asText() + "' does not exist; this server serves '" + options.modelName() + "'");
        }
    }

    /** Parameters with only a do-nothing value accepted: anything else would be silently ignored. */
    private static void unsupported(JsonNode body, boolean chat) {
        if (present(body, "logprobs") && !(body.get("logprobs").isBoolean() && !body.get("logprobs").asBoolean()
                || body.get("logprobs").isInt() && body.get("logprobs").asInt() == 0)) {
            throw notSupported("logprobs");
        }
        if (present(body, "top_logprobs") && !(body.get("top_logprobs").isInt() && body.get("top_logprobs").asInt() == 0)) throw notSupported("top_logprobs");
        if (present(body, "echo") && !(body.get("echo").isBoolean() && !body.get("echo").asBoolean())) throw notSupported("echo");
        if (present(body, "best_of") && !(body.get("best_of").isInt() && body.get("best_of").asInt() == 1)) throw notSupported("best_of");
        if (present(body, "suffix") && !(body.get("suffix").isTextual() && body.get("suffix").asText().isEmpty())) throw notSupported("suffix");
        if (present(body, "tools") && !(body.get("tools").isArray() && body.get("tools").isEmpty())) throw notSupported("tools");
        if (present(body, "tool_choice") && !"none".equals(body.get("tool_choice").asText(null))) throw notSupported("tool_choice");
        if (present(body, "response_format")) {
            JsonNode rf = body.get("response_format");
            if (!(rf.isObject() && "text".equals(rf.path("type").asText()))) throw notSupported("response_format");
        }
    }

    private static ApiException notSupported(String param) {
        return new ApiException(400, "invalid_request_error", param, "unsupported_parameter",
                "jrwkv does not support '" + param + "' (only its default value is accepted)");
    }

    private int[] chatPrompt(JsonNode body) {
        if (!present(body, "messages")) throw new ApiException(400, "invalid_request_error", "messages", "missing_required_parameter", "messages is required");
        JsonNode ms = body.get("messages");
        if (!ms.isArray() || ms.isEmpty()) throw ApiException.invalid("messages", "messages must be a non-empty array");
        List<ChatFormat.Message> messages = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            JsonNode m = ms.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) throw ApiException.invalid(at, at + " must be an object");
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual() || ChatFormat.roleName(role.asText()) == null) {
                throw ApiException.invalid(at + ".role", at + ".role must be system, developer, user or assistant");
            }
            if (present(m, "tool_calls") || present(m, "function_call")) throw notSupported(at + ".tool_calls");
            messages.add(new ChatFormat.Message(role.asText(), content(m.get("content"), at + ".content")));
        }
        return encode(ChatFormat.render(messages), "messages");
    }

    /** A message's text: a string, or an array of {@code {"type": "text", "text": ...}} parts. */
    private static String content(JsonNode c, String at) {
        if (c == null || c.isNull()) return "";
        if (c.isTextual()) return c.asText();
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < c.size(); i++) {
                JsonNode part = c.get(i);
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiException.invalid(at + "[" + i + "]", at + "[" + i + "] must be a text part {\"type\": \"text\", \"text\": ...} (jrwkv models read text only)");
                }
                sb.append(part.get("text").asText());
            }
            return sb.toString();
        }
        throw ApiException.invalid(at, at + " must be a string or an array of text parts");
    }

    private List<int[]> completionPrompts(JsonNode body) {
        if (!present(body, "prompt")) throw new ApiException(400, "invalid_request_error", "prompt", "missing_required_parameter", "prompt is required");
        JsonNode p = body.get("prompt");
        List<int[]> out = new ArrayList<>();
        if (p.isTextual()) {
            out.add(encode(p.asText(), "prompt"));
        } else if (p.isArray() && !p.isEmpty() && p.get(0).isTextual()) {
            for (int i = 0; i < p.size(); i++) {
                if (!p.get(i).isTextual()) throw ApiException.invalid("prompt", "prompt must be a string or an array of strings (item " + i + " is not a string)");
                out.add(encode(p.get(i).asText(), "prompt"));
            }
        } else if (p.isArray() && !p.isEmpty() && p.get(0).isIntegralNumber()) {
            out.add(tokenIds(p));
        } else if (p.isArray() && !p.isEmpty() && p.get(0).isArray()) {
            for (JsonNode t : p) out.add(tokenIds(t));
        } else {
            throw ApiException.invalid("prompt", "prompt must be a string, an array of strings, or token ids");
        }
        return out;
    }

    private int[] tokenIds(JsonNode a) {
        if (!a.isArray() || a.isEmpty()) throw ApiException.invalid("prompt", "a token-id prompt must be a non-empty array of integers");
        int[] ids = new int[a.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = a.get(i);
            if (!t.isIntegralNumber() || t.asLong() < 0 || t.asLong() >= vocab) {
                throw ApiException.invalid("prompt", "token id " + t + " at position " + i + " is not in [0, " + vocab + ")");
            }
            ids[i] = t.asInt();
        }
        return ids;
    }

    private int[] encode(String text, String param) {
        if (text.isEmpty()) throw ApiException.invalid(param, param + " must not be empty");
        try {
            return tokenizer.encode(text);
        } catch (TokenizerException e) {
            throw ApiException.invalid(param, "cannot tokenize " + param + ": " + e.getMessage());
        }
    }

    private static List<String> stops(JsonNode body, boolean chat) {
        if (!present(body, "stop")) return chat ? List.of(ChatFormat.STOP) : List.of();
        JsonNode s = body.get("stop");
        List<String> out = new ArrayList<>();
        if (s.isTextual()) out.add(s.asText());
        else if (s.isArray()) for (JsonNode x : s) {
            if (!x.isTextual()) throw ApiException.invalid("stop", "stop must be a string or an array of strings");
            out.add(x.asText());
        }
        else throw ApiException.invalid("stop", "stop must be a string or an array of strings");
        if (out.size() > MAX_STOPS) throw ApiException.invalid("stop", "at most " + MAX_STOPS + " stop sequences, got " + out.size());
        for (String x : out) if (x.isEmpty()) throw ApiException.invalid("stop", "stop sequences must not be empty");
        return out;
    }

    private Map<Integer, Float> logitBias(JsonNode body) {
        if (!present(body, "logit_bias")) return Map.of();
        JsonNode b = body.get("logit_bias");
        if (!b.isObject()) throw ApiException.invalid("logit_bias", "logit_bias must be an object mapping token ids to biases");
        Map<Integer, Float> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = b.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw ApiException.invalid("logit_bias", "logit_bias key '" + e.getKey() + "' is not a token id");
            }
            if (id < 0 || id >= vocab) throw ApiException.invalid("logit_bias", "logit_bias token id " + id + " is not in [0, " + vocab + ")");
            JsonNode v = e.getValue();
            if (!v.isNumber() || !(v.asDouble() >= -100 && v.asDouble() <= 100)) {
                throw ApiException.invalid("logit_bias", "logit_bias value for token " + id + " must be a number in [-100, 100]");
            }
            out.put(id, (float) v.asDouble());
        }
        return out;
    }

    private static boolean present(JsonNode body, String name) {
        JsonNode v = body.get(name);
        return v != null && !v.isNull();
    }

    private static int integer(JsonNode body, String name, int min, int max) {
        JsonNode v = body.get(name);
        if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) throw ApiException.invalid(name, name + " must be an integer, got " + v);
        double d = v.asDouble();
        if (d < min || d > max) throw ApiException.invalid(name, name + " must be in [" + min + ", " + max + "], got " + v);
        return (int) d;
    }

    private static float number(JsonNode body, String name, double min, double max, float dflt) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw ApiException.invalid(name, name + " must be a number, got " + v);
        double d = v.asDouble();
        if (!(d >= min && d <= max)) throw ApiException.invalid(name, name + " must be in [" + min + ", " + max + "], got " + v);
        return (float) d;
    }

    private static boolean bool(JsonNode body, String name) {
        return bool(body, name, name);
    }

    private static boolean bool(JsonNode body, String name, String param) {
        JsonNode v = body.get(name);
        if (!v.isBoolean()) throw ApiException.invalid(param, param + " must be true or false, got " + v);
        return v.asBoolean();
    }

    private static long seed(JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw ApiException.invalid("seed", "seed must be an integer, got " + v);
        return v.asLong();
    }
}
