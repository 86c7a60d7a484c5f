package dev.jrwkv.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jrwkv.generate.GenerationListener;
import dev.jrwkv.generate.SamplingParams;
import dev.jrwkv.model.State;
import dev.jrwkv.model.StateFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Batching, the queue, disconnects, named states and the API key. */
class SchedulerTest {

    /** A streaming request on a raw socket, so that the test can hang up mid-stream. */
    static Socket openStream(TestServer t, String body) throws IOException {
        Socket s = new Socket("127.0.0.1", t.server.port());
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
        return s;
    }

    static void readUntilData(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) if (line.startsWith("data: {")) return;
        throw new AssertionError("stream ended before any data");
    }

    static final String ENDLESS = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 60000, \"stream\": true, \"seed\": 1}";

    @Test
    void aClientThatHangsUpFreesItsSlotAtOnce() throws IOException {
        try (TestServer t = new TestServer(ServerOptions.defaults().withMaxSessions(1).withQueueSize(0))) {
            Socket s = openStream(t, ENDLESS);
            readUntilData(s);
            assertThat(t.metric("jrwkv_active_sessions")).isEqualTo(1);
            assertThat(t.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 2}").statusCode()).isEqualTo(429);
            long before = System.nanoTime();
            s.close();
            t.awaitMetric("jrwkv_active_sessions", 0);
            assertThat((System.nanoTime() - before) / 1e6).as("ms until the slot is free").isLessThan(2000);
            HttpResponse<String> r = t.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 2}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(t.metric("jrwkv_generated_tokens_total")).isLessThan(60000);
        }
    }

    @Test
    void aFullQueueAnswers429AndTheQueueDrains() throws IOException {
        try (TestServer t = new TestServer(ServerOptions.defaults().withMaxSessions(1).withQueueSize(1))) {
            Socket running = openStream(t, ENDLESS);
            readUntilData(running);
            Socket waiting = openStream(t, ENDLESS);
            t.awaitMetric("jrwkv_queue_depth", 1);
            HttpResponse<String> r = t.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 2}");
            assertThat(r.statusCode()).isEqualTo(429);
            JsonNode e = TestServer.json(r.body()).get("error");
            assertThat(e.get("code").asText()).isEqualTo("queue_full");
            assertThat(e.get("message").asText()).contains("busy");
            // n counts: two choices cannot fit either
            running.close();
            readUntilData(waiting);                 // the queued request got the slot
            t.awaitMetric("jrwkv_queue_depth", 0);
            waiting.close();
            t.awaitMetric("jrwkv_active_sessions", 0);
            assertThat(t.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 2, \"n\": 2}").statusCode()).isEqualTo(200);
            assertThat(t.get("/metrics").body()).contains("jrwkv_requests_total{endpoint=\"/v1/completions\",status=\"429\"} 1");
        }
    }

    @Test
    void sixteenConcurrentStreamingClientsGetExactlyTheirSoloOutputs() throws Exception {
        try (TestServer t = new TestServer(ServerOptions.defaults().withMaxSessions(16).withQueueSize(16).withPromptChunk(16));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            int clients = 16;
            String[] prompts = new String[clients];
            for (int i = 0; i < clients; i++) prompts[i] = "Story " + i + ": " + "the cat and the dog ".repeat(1 + i % 4);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int c = i;
                // half greedy, half sampled with their own seed; prompts of different lengths read in chunks meanwhile
                String params = c % 2 == 0 ? "\"temperature\": 0" : "\"seed\": " + (100 + c);
                results.add(pool.submit(() -> {
                    HttpResponse<String> r = t.post("/v1/completions", "{\"prompt\": \"%s\", \"max_tokens\": %d, \"stream\": true, %s}"
                            .formatted(prompts[c], 10 + c % 5, params));
                    StringBuilder text = new StringBuilder();
                    for (JsonNode e : TestServer.events(r.body())) text.append(e.get("choices").get(0).get("text").asText());
                    return text.toString();
                }));
            }
            for (int c = 0; c < clients; c++) {
                SamplingParams p = new SamplingParams(10 + c % 5, c % 2 == 0 ? 0 : 1, 1, 0, 0, 0, 0, 1, c % 2 == 0 ? null : 100L + c,
                        java.util.Set.of(), java.util.Set.of(), List.of(), Map.of());
                String solo = t.rwkv.generate(prompts[c], p, GenerationListener.NONE).text();
                assertThat(results.get(c).get()).as("client %d", c).isEqualTo(solo);
            }
            assertThat(t.metric("jrwkv_scheduler_steps_total")).as("steps are shared, not one per token").isLessThan(16L * 10);
        }
    }

    @Test
    void aNamedInitialStateIsReadFromTheStatesFolder(@TempDir Path dir) {
        try (TestServer t = new TestServer(ServerOptions.defaults())) {
            State pirate = t.rwkv.newState();
            t.rwkv.model().forward(t.rwkv.tokenizer().encode("Arr, the pirate ship sailed the seven seas. "), pirate);
            StateFile.save(pirate, dir.resolve("pirate.state"), t.rwkv.model());
        }
        try (TestServer t = new TestServer(ServerOptions.defaults().withStatesDir(dir))) {
            State pirate = StateFile.load(dir.resolve("pirate.state"), t.rwkv.model());
            String expected = t.rwkv.generate("The ship", pirate.copy(), SamplingParams.greedy().withMaxTokens(20), GenerationListener.NONE).text();
            String plain = t.rwkv.generate("The ship", SamplingParams.greedy().withMaxTokens(20), GenerationListener.NONE).text();
            String body = "{\"prompt\": \"The ship\", \"max_tokens\": 20, \"temperature\": 0, \"state\": \"pirate\"}";
            for (int i = 0; i < 2; i++) {      // the second time from the cache, in the state's own namespace
                JsonNode r = TestServer.json(t.post("/v1/completions", body).body());
                assertThat(r.get("choices").get(0).get("text").asText()).isEqualTo(expected);
            }
            assertThat(TestServer.json(t.post("/v1/completions", "{\"prompt\": \"The ship\", \"max_tokens\": 20, \"temperature\": 0}").body())
                    .get("choices").get(0).get("text").asText()).isEqualTo(plain);
            HttpResponse<String> unknown = t.post("/v1/completions", "{\"prompt\": \"x\", \"state\": \"ghost\"}");
            assertThat(unknown.statusCode()).isEqualTo(400);
            assertThat(TestServer.json(unknown.body()).get("error").get("param").asText()).isEqualTo("state");
            assertThat(t.post("/v1/completions", "{\"prompt\": \"x\", \"state\": \"../etc/passwd\"}").statusCode()).isEqualTo(400);
        }
    }

    @Test
    void withAnApiKeyRequestsWithoutItGet401() {
        try (TestServer t = new TestServer(ServerOptions.defaults().withApiKey("s3cret"))) {
            HttpResponse<String> none = t.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 1}");
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(TestServer.json(none.body()).get("error").get("code").asText()).isEqualTo("invalid_api_key");
            t.key = "wrong";
            assertThat(t.get("/v1/models").statusCode()).isEqualTo(401);
            assertThat(t.get("/metrics").statusCode()).isEqualTo(401);
            t.key = "s3cret";
            assertThat(t.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 1}").statusCode()).isEqualTo(200);
            assertThat(t.get("/v1/models").statusCode()).isEqualTo(200);
            t.key = null;
            assertThat(t.get("/health").statusCode()).as("health stays open for probes").isEqualTo(200);
        }
    }
}
