package dev.jrwkv.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jrwkv.generate.ChatFormat;
import dev.jrwkv.generate.GenerationListener;
import dev.jrwkv.generate.GenerationResult;
import dev.jrwkv.generate.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The endpoints, the SSE framing, and every request parameter against solo library runs. */
class ApiTest {
    static final String PROMPT = "The little cat sat by the window and watched the rain fall down.";
    static TestServer t;

    @BeforeAll
    static void start() {
        t = TestServer.start();
    }

    @AfterAll
    static void stop() {
        if (t != null) t.close();
    }

    /** The server's sampling defaults (OpenAI's) with the given knobs. */
    static SamplingParams params(int max, float temperature, float topP, int topK, float minP, float presence, float frequency,
                                 Long seed, List<String> stops, Map<Integer, Float> bias) {
        return new SamplingParams(max, temperature, topP, topK, minP, presence, frequency, 1f, seed, Set.of(), Set.of(), stops, bias);
    }

    static GenerationResult solo(String prompt, SamplingParams p) {
        return t.rwkv.generate(prompt, p, GenerationListener.NONE);
    }

    static JsonNode ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestServer.json(r.body());
    }

    @Test
    void modelsHealthAndMetrics() {
        JsonNode models = ok(t.get("/v1/models"));
        assertThat(models.get("object").asText()).isEqualTo("list");
        assertThat(models.get("data").get(0).get("id").asText()).isEqualTo("tiny");
        assertThat(ok(t.get("/v1/models/tiny")).get("object").asText()).isEqualTo("model");
        assertThat(t.get("/v1/models/other").statusCode()).isEqualTo(404);
        assertThat(ok(t.get("/health")).get("status").asText()).isEqualTo("ok");

        ok(t.post("/v1/completions", "{\"prompt\": \"Hi\", \"max_tokens\": 3}"));
        HttpResponse<String> m = t.get("/metrics");
        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(m.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        assertThat(m.body()).contains("jrwkv_requests_total{endpoint=\"/v1/completions\",status=\"200\"}", "# TYPE jrwkv_generated_tokens_total counter",
                "jrwkv_tokens_per_second ", "jrwkv_queue_depth 0", "jrwkv_active_sessions ", "jrwkv_cache_hits_total ", "jrwkv_cache_misses_total ");
        assertThat(t.metric("jrwkv_generated_tokens_total")).isGreaterThanOrEqualTo(3);
    }

    @Test
    void completionEqualsTheLibraryWithTheSameParameters() {
        GenerationResult expected = solo(PROMPT, params(20, 0.9f, 0.8f, 0, 0, 0, 0, 42L, List.of(), Map.of()));
        JsonNode r = ok(t.post("/v1/completions", """
                {"model": "tiny", "prompt": "%s", "max_tokens": 20, "temperature": 0.9, "top_p": 0.8, "seed": 42}""".formatted(PROMPT)));
        assertThat(r.get("object").asText()).isEqualTo("text_completion");
        assertThat(r.get("id").asText()).startsWith("cmpl-");
        JsonNode c = r.get("choices").get(0);
        assertThat(c.get("text").asText()).isEqualTo(expected.text());
        assertThat(c.get("finish_reason").asText()).isEqualTo("length");
        assertThat(r.get("usage").get("prompt_tokens").asInt()).isEqualTo(PROMPT.length());
        assertThat(r.get("usage").get("completion_tokens").asInt()).isEqualTo(20);
        assertThat(r.get("usage").get("total_tokens").asInt()).isEqualTo(PROMPT.length() + 20);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "greedy             | \"temperature\": 0                                  | 30 | 0   | 1    | 0  | 0    | 0   | 0   | 1",
            "top_k              | \"top_k\": 3, \"seed\": 5                           | 30 | 1   | 1    | 3  | 0    | 0   | 0   | 5",
            "min_p              | \"min_p\": 0.2, \"seed\": 6                         | 30 | 1   | 1    | 0  | 0.2  | 0   | 0   | 6",
            "penalties          | \"presence_penalty\": 1.5, \"frequency_penalty\": 0.7, \"temperature\": 0 | 30 | 0 | 1 | 0 | 0 | 1.5 | 0.7 | 1",
            "negative penalty   | \"presence_penalty\": -2, \"seed\": 8                | 30 | 1   | 1    | 0  | 0    | -2  | 0   | 8",
            "top_p              | \"top_p\": 0.3, \"seed\": 9                         | 30 | 1   | 0.3  | 0  | 0    | 0   | 0   | 9",
            "temperature        | \"temperature\": 1.7, \"seed\": 10                  | 30 | 1.7 | 1    | 0  | 0    | 0   | 0   | 10",
    })
    void everySamplingParameterIsHonoured(String name, String json, int max, float temperature, float topP, int topK, float minP,
                                          float presence, float frequency, long seed) {
        String expected = solo(PROMPT, params(max, temperature, topP, topK, minP, presence, frequency, seed, List.of(), Map.of())).text();
        JsonNode r = ok(t.post("/v1/completions", "{\"prompt\": \"%s\", \"max_tokens\": %d, %s}".formatted(PROMPT, max,
                json.contains("seed") ? json : json + ", \"seed\": " + seed)));
        assertThat(r.get("choices").get(0).get("text").asText()).isEqualTo(expected);
    }

    @Test
    void seedReproducesAndDifferentSeedsDiffer() {
        String body = "{\"prompt\": \"%s\", \"max_tokens\": 40, \"seed\": %d}";
        String a = ok(t.post("/v1/completions", body.formatted(PROMPT, 1))).get("choices").get(0).get("text").asText();
        String b = ok(t.post("/v1/completions", body.formatted(PROMPT, 1))).get("choices").get(0).get("text").asText();
        String c = ok(t.post("/v1/completions", body.formatted(PROMPT, 2))).get("choices").get(0).get("text").asText();
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void stopStringsEndTheTextAndAreNotPartOfIt() {
        // greedy continues " the the the ...": a stop string cuts it
        JsonNode one = ok(t.post("/v1/completions", "{\"prompt\": \"%s\", \"temperature\": 0, \"stop\": \"e t\"}".formatted(PROMPT)));
        assertThat(one.get("choices").get(0).get("text").asText()).isEqualTo(" th");
        assertThat(one.get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
        JsonNode many = ok(t.post("/v1/completions", "{\"prompt\": \"%s\", \"temperature\": 0, \"stop\": [\"zz\", \"he\"]}".formatted(PROMPT)));
        assertThat(many.get("choices").get(0).get("text").asText()).isEqualTo(" t");
    }

    @Test
    void maxTokensEndsWithLengthAndMaxCompletionTokensToo() {
        JsonNode r = ok(t.post("/v1/completions", "{\"prompt\": \"Hello\", \"max_tokens\": 5, \"temperature\": 0}"));
        assertThat(r.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        assertThat(r.get("usage").get("completion_tokens").asInt()).isEqualTo(5);
        JsonNode c = ok(t.post("/v1/chat/completions", """
                {"messages": [{"role": "user", "content": "Hi"}], "max_completion_tokens": 4, "max_tokens": 9, "stop": "zzz", "temperature": 0}"""));
        assertThat(c.get("usage").get("completion_tokens").asInt()).isEqualTo(4);
        assertThat(c.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void nGivesChoicesWithConsecutiveSeedsAndPromptArraysGiveOneChoiceEach() {
        JsonNode r = ok(t.post("/v1/completions", "{\"prompt\": \"%s\", \"max_tokens\": 12, \"seed\": 7, \"n\": 2}".formatted(PROMPT)));
        assertThat(r.get("choices")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(r.get("choices").get(i).get("index").asInt()).isEqualTo(i);
            assertThat(r.get("choices").get(i).get("text").asText()).isEqualTo(solo(PROMPT, params(12, 1, 1, 0, 0, 0, 0, 7L + i, List.of(), Map.of())).text());
        }
        assertThat(r.get("usage").get("prompt_tokens").asInt()).isEqualTo(PROMPT.length());
        assertThat(r.get("usage").get("completion_tokens").asInt()).isEqualTo(24);

        JsonNode two = ok(t.post("/v1/completions", "{\"prompt\": [\"Once\", \"The dog\"], \"max_tokens\": 6, \"temperature\": 0}"));
        assertThat(two.get("choices")).hasSize(2);
        assertThat(two.get("choices").get(1).get("text").asText()).isEqualTo(solo("The dog", params(6, 0, 1, 0, 0, 0, 0, null, List.of(), Map.of())).text());
        assertThat(two.get("usage").get("prompt_tokens").asInt()).isEqualTo(4 + 7);
    }

    @Test
    void logitBiasForcesAToken() {
        JsonNode r = ok(t.post("/v1/completions", "{\"prompt\": \"%s\", \"max_tokens\": 8, \"seed\": 3, \"logit_bias\": {\"65\": 100}}".formatted(PROMPT)));
        assertThat(r.get("choices").get(0).get("text").asText()).isEqualTo("AAAAAAAA");
        JsonNode banned = ok(t.post("/v1/completions", "{\"prompt\": \"%s\", \"max_tokens\": 30, \"temperature\": 0, \"logit_bias\": {\"116\": -100}}".formatted(PROMPT)));
        assertThat(banned.get("choices").get(0).get("text").asText()).doesNotContain("t")
                .isEqualTo(solo(PROMPT, params(30, 0, 1, 0, 0, 0, 0, null, List.of(), Map.of(116, -100f))).text());
    }

    @Test
    void chatRendersTheRwkvFormatStopsAtABlankLineAndDropsTheLeadingSpace() {
        String prompt = ChatFormat.render(List.of(new ChatFormat.Message("system", "You are a cat."), new ChatFormat.Message("user", "Say hi")));
        GenerationResult expected = solo(prompt, params(40, 0, 1, 0, 0, 0, 0, null, List.of("\n\n"), Map.of()));
        JsonNode r = ok(t.post("/v1/chat/completions", """
                {"model": "tiny", "messages": [{"role": "system", "content": "You are a cat."},
                 {"role": "user", "content": [{"type": "text", "text": "Say "}, {"type": "text", "text": "hi"}]}],
                 "max_tokens": 40, "temperature": 0}"""));
        assertThat(r.get("object").asText()).isEqualTo("chat.completion");
        assertThat(r.get("id").asText()).startsWith("chatcmpl-");
        JsonNode m = r.get("choices").get(0).get("message");
        assertThat(m.get("role").asText()).isEqualTo("assistant");
        assertThat(m.get("content").asText()).isEqualTo(ChatFormat.answer(expected.text()));
        assertThat(r.get("choices").get(0).get("finish_reason").asText()).isEqualTo(expected.finishReason().name().toLowerCase());
        assertThat(r.get("usage").get("prompt_tokens").asInt()).isEqualTo(prompt.length());
    }

    @Test
    void completionStreamIsFramedAsServerSentEventsWithUsage() {
        HttpResponse<String> r = t.post("/v1/completions", """
                {"prompt": "%s", "max_tokens": 25, "seed": 4, "stream": true, "stream_options": {"include_usage": true}}""".formatted(PROMPT));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<JsonNode> events = TestServer.events(r.body());
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (JsonNode e : events.subList(0, events.size() - 1)) {
            assertThat(e.get("object").asText()).isEqualTo("text_completion");
            JsonNode c = e.get("choices").get(0);
            text.append(c.get("text").asText());
            if (!c.get("finish_reason").isNull()) finish = c.get("finish_reason").asText();
        }
        assertThat(text.toString()).isEqualTo(solo(PROMPT, params(25, 1, 1, 0, 0, 0, 0, 4L, List.of(), Map.of())).text());
        assertThat(finish).isEqualTo("length");
        JsonNode usage = events.getLast();
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.get("usage").get("completion_tokens").asInt()).isEqualTo(25);
    }

    @Test
    void chatStreamStartsWithTheRoleAndCarriesContentDeltas() {
        HttpResponse<String> r = t.post("/v1/chat/completions", """
                {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 30, "temperature": 0, "stream": true, "n": 2}""");
        List<JsonNode> events = TestServer.events(r.body());
        StringBuilder[] text = {new StringBuilder(), new StringBuilder()};
        String[] finish = new String[2];
        for (JsonNode e : events) {
            assertThat(e.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(e.has("usage")).isFalse();
            JsonNode c = e.get("choices").get(0);
            int i = c.get("index").asInt();
            if (text[i].isEmpty() && c.get("delta").has("role")) assertThat(c.get("delta").get("role").asText()).isEqualTo("assistant");
            if (c.get("delta").has("content")) text[i].append(c.get("delta").get("content").asText());
            if (!c.get("finish_reason").isNull()) finish[i] = c.get("finish_reason").asText();
        }
        JsonNode whole = ok(t.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 30, \"temperature\": 0}"));
        for (int i = 0; i < 2; i++) {
            assertThat(text[i].toString()).isEqualTo(whole.get("choices").get(0).get("message").get("content").asText());
            assertThat(finish[i]).isEqualTo(whole.get("choices").get(0).get("finish_reason").asText());
        }
        assertThat(events.getFirst().get("choices").get(0).get("delta").get("role").asText()).isEqualTo("assistant");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "max_tokens        | \"prompt\": \"a\", \"max_tokens\": -1",
            "max_tokens        | \"prompt\": \"a\", \"max_tokens\": 1.5",
            "max_tokens        | \"prompt\": \"a\", \"max_tokens\": \"10\"",
            "max_completion_tokens | \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"max_completion_tokens\": 0",
            "temperature       | \"prompt\": \"a\", \"temperature\": 2.5",
            "temperature       | \"prompt\": \"a\", \"temperature\": \"hot\"",
            "top_p             | \"prompt\": \"a\", \"top_p\": 1.1",
            "top_k             | \"prompt\": \"a\", \"top_k\": -2",
            "min_p             | \"prompt\": \"a\", \"min_p\": -0.1",
            "presence_penalty  | \"prompt\": \"a\", \"presence_penalty\": 3",
            "frequency_penalty | \"prompt\": \"a\", \"frequency_penalty\": -2.5",
            "stop              | \"prompt\": \"a\", \"stop\": 5",
            "stop              | \"prompt\": \"a\", \"stop\": [\"\"]",
            "seed              | \"prompt\": \"a\", \"seed\": \"x\"",
            "n                 | \"prompt\": \"a\", \"n\": 0",
            "n                 | \"prompt\": \"a\", \"n\": 99",
            "stream            | \"prompt\": \"a\", \"stream\": \"yes\"",
            "stream_options    | \"prompt\": \"a\", \"stream_options\": {\"include_usage\": true}",
            "stream_options.include_usage | \"prompt\": \"a\", \"stream\": true, \"stream_options\": {\"include_usage\": 1}",
            "logit_bias        | \"prompt\": \"a\", \"logit_bias\": {\"300\": 1}",
            "logit_bias        | \"prompt\": \"a\", \"logit_bias\": {\"x\": 1}",
            "logit_bias        | \"prompt\": \"a\", \"logit_bias\": {\"5\": 101}",
            "prompt            | \"prompt\": 5",
            "prompt            | \"prompt\": \"\"",
            "prompt            | \"max_tokens\": 3",
            "messages          | \"messages\": []",
            "messages[0].role  | \"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}]",
            "messages[0].content | \"messages\": [{\"role\": \"user\", \"content\": 5}]",
            "logprobs          | \"prompt\": \"a\", \"logprobs\": 2",
            "tools             | \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"tools\": [{\"type\": \"function\"}]",
            "frobnicate        | \"prompt\": \"a\", \"frobnicate\": 1",
            "state             | \"prompt\": \"a\", \"state\": \"nope\"",
    })
    void invalidValuesGetAnOpenAiShaped400NamingTheParameter(String param, String json) {
        String path = json.contains("messages") ? "/v1/chat/completions" : "/v1/completions";
        HttpResponse<String> r = t.post(path, "{" + json + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode e = TestServer.json(r.body()).get("error");
        assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(e.get("param").asText()).isEqualTo(param);
        assertThat(e.get("message").asText()).isNotBlank();
        assertThat(e.has("code")).isTrue();
    }

    @Test
    void malformedJsonHugeBodiesAndUnknownModelsGet4xxAndTheServerKeepsServing() {
        HttpResponse<String> bad = t.post("/v1/completions", "{\"prompt\": ");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(TestServer.json(bad.body()).get("error").get("code").asText()).isEqualTo("invalid_json");

        String huge = "{\"prompt\": \"" + "a".repeat(10 << 20) + "\"}";
        HttpResponse<String> big = t.post("/v1/completions", huge);
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(TestServer.json(big.body()).get("error").get("type").asText()).isEqualTo("invalid_request_error");

        HttpResponse<String> model = t.post("/v1/completions", "{\"model\": \"gpt-4\", \"prompt\": \"a\"}");
        assertThat(model.statusCode()).isEqualTo(404);
        assertThat(TestServer.json(model.body()).get("error").get("code").asText()).isEqualTo("model_not_found");

        assertThat(t.get("/v1/nothing").statusCode()).isEqualTo(404);
        assertThat(t.get("/v1/completions").statusCode()).isEqualTo(405);
        ok(t.post("/v1/completions", "{\"prompt\": \"still here\", \"max_tokens\": 2}"));
        assertThat(t.get("/metrics").body()).contains("jrwkv_requests_total{endpoint=\"/v1/completions\",status=\"413\"} 1");
    }

    @Test
    void aCacheHitGivesExactlyTheColdRunsOutput() {
        String prompt = "A cache test prompt that nobody else sends: once upon a time";
        String body = "{\"prompt\": \"%s\", \"max_tokens\": 30, \"seed\": 99}";
        String cold = solo(prompt, params(30, 1, 1, 0, 0, 0, 0, 99L, List.of(), Map.of())).text();
        long hits = t.metric("jrwkv_cache_hits_total");
        JsonNode first = ok(t.post("/v1/completions", body.formatted(prompt)));
        JsonNode again = ok(t.post("/v1/completions", body.formatted(prompt)));      // the whole prompt from the cache
        JsonNode longer = ok(t.post("/v1/completions", body.formatted(prompt + " there")));   // a prefix from the cache
        assertThat(first.get("choices").get(0).get("text").asText()).isEqualTo(cold);
        assertThat(first.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt()).isZero();
        assertThat(again.get("choices").get(0).get("text").asText()).isEqualTo(cold);
        assertThat(again.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt()).isEqualTo(prompt.length());
        assertThat(longer.get("choices").get(0).get("text").asText())
                .isEqualTo(solo(prompt + " there", params(30, 1, 1, 0, 0, 0, 0, 99L, List.of(), Map.of())).text());
        assertThat(longer.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt()).isEqualTo(prompt.length());
        assertThat(t.metric("jrwkv_cache_hits_total")).isEqualTo(hits + 2);
    }

    @Test
    void aConversationContinuesFromTheStateCachedAfterTheTurn() {
        String p1 = "User: tell me about the unusual purple cat\n\nAssistant:";
        JsonNode r1 = ok(t.post("/v1/completions", "{\"prompt\": \"%s\", \"max_tokens\": 15, \"temperature\": 0}".formatted(p1.replace("\n", "\\n"))));
        String a1 = r1.get("choices").get(0).get("text").asText();
        String p2 = p1 + a1 + "\n\nUser: and then?\n\nAssistant:";
        JsonNode r2 = ok(t.post("/v1/completions", "{\"prompt\": %s, \"max_tokens\": 20, \"temperature\": 0}"
                .formatted(TestServer.JSON.getNodeFactory().textNode(p2))));
        // the first turn's prompt and answer were not read again
        assertThat(r2.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt()).isEqualTo(p1.length() + a1.length());
        assertThat(r2.get("choices").get(0).get("text").asText())
                .isEqualTo(solo(p2, params(20, 0, 1, 0, 0, 0, 0, null, List.of(), Map.of())).text());
    }
}
