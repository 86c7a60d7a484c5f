package dev.jrwkv.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The limits of {@link ServerLimits}: each one is hit on purpose and the server keeps serving. */
class HardeningTest {
    static final String ENDLESS = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 60000, \"seed\": 1%s}";

    static TestServer server(ServerLimits limits) {
        return new TestServer(ServerOptions.defaults().withLimits(limits));
    }

    static Socket connect(TestServer t) throws IOException {
        Socket s = new Socket("127.0.0.1", t.server.port());
        s.setSoTimeout(10_000);
        return s;
    }

    static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Everything the server sends until it closes the connection (or the socket's read timeout). */
    static String readAll(Socket s) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) > 0; ) all.write(buf, 0, n);
        } catch (IOException reset) {
            // a reset after the answer is a close too
        }
        return all.toString(StandardCharsets.UTF_8);
    }

    static JsonNode error(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return TestServer.json(r.body()).get("error");
    }

    @Test
    void maxTokensNAndPromptTokensOverTheLimitsGet400NamingTheParameter() {
        try (TestServer t = server(ServerLimits.defaults().withMaxTokens(100).withMaxN(2).withMaxPromptTokens(50))) {
            JsonNode e = error(t.post("/v1/completions", "{\"prompt\": \"a\", \"max_tokens\": 101}"), 400);
            assertThat(e.get("param").asText()).isEqualTo("max_tokens");
            assertThat(e.get("message").asText()).contains("100");
            e = error(t.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"max_completion_tokens\": 500}"), 400);
            assertThat(e.get("param").asText()).isEqualTo("max_completion_tokens");
            e = error(t.post("/v1/completions", "{\"prompt\": \"a\", \"max_tokens\": 2, \"n\": 3}"), 400);
            assertThat(e.get("param").asText()).isEqualTo("n");
            assertThat(e.get("message").asText()).contains("[1, 2]");

            // the byte-level tokenizer: one token per byte; two prompts count together
            e = error(t.post("/v1/completions", "{\"prompt\": \"%s\", \"max_tokens\": 2}".formatted("x".repeat(51))), 400);
            assertThat(e.get("param").asText()).isEqualTo("prompt");
            assertThat(e.get("code").asText()).isEqualTo("context_length_exceeded");
            assertThat(e.get("message").asText()).contains("51 tokens", "at most 50");
            e = error(t.post("/v1/completions", "{\"prompt\": [\"%s\", \"%s\"], \"max_tokens\": 2}".formatted("x".repeat(30), "y".repeat(30))), 400);
            assertThat(e.get("code").asText()).isEqualTo("context_length_exceeded");
            e = error(t.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"%s\"}]}".formatted("x".repeat(60))), 400);
            assertThat(e.get("param").asText()).isEqualTo("messages");

            JsonNode ok = ApiTest.ok(t.post("/v1/completions", "{\"prompt\": \"%s\", \"max_tokens\": 100, \"n\": 2, \"temperature\": 0}".formatted("x".repeat(50))));
            assertThat(ok.get("choices")).hasSize(2);
        }
    }

    @Test
    void aBodyOverTheLimitGets413WithOrWithoutContentLength() throws Exception {
        try (TestServer t = server(ServerLimits.defaults().withMaxBodyBytes(4096))) {
            JsonNode e = error(t.post("/v1/completions", "{\"prompt\": \"%s\"}".formatted("a".repeat(5000))), 413);
            assertThat(e.get("code").asText()).isEqualTo("request_too_large");
            assertThat(e.get("message").asText()).contains("4096");
            // chunked: no length to check up front, the read itself stops at the bound
            try (Socket s = connect(t)) {
                send(s, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
                String chunk = "{\"prompt\": \"" + "a".repeat(3000);
                send(s, Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
                send(s, Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
                send(s, "0\r\n\r\n");
                String answer = readAll(s);
                assertThat(answer).startsWith("HTTP/1.1 413").contains("request_too_large");
            }
            ApiTest.ok(t.post("/v1/completions", "{\"prompt\": \"still serving\", \"max_tokens\": 2}"));
        }
    }

    /** A client still sending an over-limit body (more than the socket buffers hold) gets the 413, not a reset. */
    @Test
    void aClientStillSendingAnOverLimitBodyReceivesThe413() throws Exception {
        try (TestServer t = server(ServerLimits.defaults().withMaxBodyBytes(1 << 20)); Socket s = connect(t)) {
            byte[] body = ("{\"prompt\": \"" + "b".repeat(2 << 20) + "\"}").getBytes(StandardCharsets.UTF_8);
            send(s, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n");
            Thread.sleep(300);       // the server has decided by now; the body comes after, more than the socket buffers hold
            s.getOutputStream().write(body);
            s.getOutputStream().flush();
            assertThat(readAll(s)).startsWith("HTTP/1.1 413").contains("request_too_large");
        }
    }

    @Test
    void tooManyOrTooLargeHeadersGet431() {
        try (TestServer t = server(ServerLimits.defaults().withMaxHeaderCount(16).withMaxHeaderBytes(2048))) {
            var many = java.net.http.HttpRequest.newBuilder(t.uri("/v1/models")).GET();
            for (int i = 0; i < 20; i++) many.header("X-Filler-" + i, "v");
            HttpResponse<String> r = t.send(many.build());
            assertThat(error(r, 431).get("code").asText()).isEqualTo("too_many_headers");
            HttpResponse<String> big = t.send(java.net.http.HttpRequest.newBuilder(t.uri("/v1/models")).header("X-Big", "b".repeat(3000)).GET().build());
            assertThat(big.statusCode()).isEqualTo(431);
            assertThat(t.get("/v1/models").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theTimeLimitEndsDecodingWithLengthAndFreesTheSlot() throws IOException {
        // an idle timeout shorter than the generation: a request waiting for its answer is not idle
        try (TestServer t = server(ServerLimits.defaults().withRequestTimeout(Duration.ofMillis(1500)).withIdleTimeout(Duration.ofMillis(700)))) {
            long t0 = System.nanoTime();
            JsonNode whole = ApiTest.ok(t.post("/v1/completions", ENDLESS.formatted("")));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(seconds).isBetween(1.4, 6.0);
            assertThat(whole.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
            int tokens = whole.get("usage").get("completion_tokens").asInt();
            assertThat(tokens).isPositive().isLessThan(60000);
            assertThat(whole.get("choices").get(0).get("text").asText()).isNotEmpty();

            HttpResponse<String> streamed = t.post("/v1/completions", ENDLESS.formatted(", \"stream\": true"));
            List<JsonNode> events = TestServer.events(streamed.body());
            assertThat(events.getLast().get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
            t.awaitMetric("jrwkv_active_sessions", 0);
            assertThat(t.metric("jrwkv_time_limited_total")).isEqualTo(2);
        }
    }

    @Test
    void aChoiceStillQueuedAtTheTimeLimitFailsWith503() {
        try (TestServer t = new TestServer(ServerOptions.defaults().withMaxSessions(1).withQueueSize(4)
                .withLimits(ServerLimits.defaults().withRequestTimeout(Duration.ofMillis(800))))) {
            // n = 2 with one slot: choice 1 waits behind choice 0, which holds the slot until the limit
            JsonNode e = error(t.post("/v1/completions", ENDLESS.formatted(", \"n\": 2")), 503);
            assertThat(e.get("code").asText()).isEqualTo("timeout");
            t.awaitMetric("jrwkv_active_sessions", 0);
            t.awaitMetric("jrwkv_queue_depth", 0);
            ApiTest.ok(t.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 2}"));
        }
    }

    @Test
    void headersDribbledByteByByteAreCutOffAtTheReadTimeout() throws Exception {
        try (TestServer t = server(ServerLimits.defaults().withReadTimeout(Duration.ofMillis(800)));
             Socket slow = connect(t)) {
            send(slow, "GET /v1/models HTTP/1.1\r\nHost: x\r\n");
            long t0 = System.nanoTime();
            boolean closed = false;
            // one byte every 100 ms: each one restarts the 30 s idle timeout, so only the header deadline stops it
            for (int i = 0; i < 60 && !closed; i++) {
                try {
                    send(slow, "X");
                    Thread.sleep(100);
                } catch (IOException reset) {
                    closed = true;
                }
                if (!closed) {
                    slow.setSoTimeout(1);
                    try {
                        closed = slow.getInputStream().read() < 0;
                    } catch (SocketTimeoutException stillOpen) {
                        // nothing yet
                    } catch (IOException reset) {
                        closed = true;
                    }
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(closed).as("the server closed the slow connection").isTrue();
            assertThat(seconds).isBetween(0.7, 3.0);
            assertThat(t.metric("jrwkv_slow_clients_closed_total")).isEqualTo(1);
            assertThat(t.get("/v1/models").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aBodyDribbledTooSlowlyGets408AndTheConnectionIsClosed() throws Exception {
        try (TestServer t = server(ServerLimits.defaults().withReadTimeout(Duration.ofMillis(800)));
             Socket slow = connect(t)) {
            send(slow, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"prompt\"");
            long t0 = System.nanoTime();
            Thread keepDribbling = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 50; i++) {
                        Thread.sleep(100);
                        send(slow, " ");
                    }
                } catch (IOException | InterruptedException closed) {
                    // the server hung up: expected
                }
            });
            String answer = readAll(slow);
            double seconds = (System.nanoTime() - t0) / 1e9;
            keepDribbling.interrupt();
            assertThat(answer).startsWith("HTTP/1.1 408").contains("request_timeout");
            assertThat(seconds).isBetween(0.7, 4.0);
            ApiTest.ok(t.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 2}"));
        }
    }

    @Test
    void beyondTheConnectionLimitNewConnectionsWaitUntilOneCloses() throws Exception {
        try (TestServer t = server(ServerLimits.defaults().withMaxConnections(2));
             Socket idle1 = connect(t); Socket idle2 = connect(t)) {
            TestServer.await(() -> t.server.openConnections() == 2, "two open connections");
            try (Socket third = connect(t)) {
                send(third, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                third.setSoTimeout(300);
                // not accepted at the limit: it waits in the backlog
                assertThatThrownBy(() -> third.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            }
            idle1.close();
            assertThat(t.get("/health").statusCode()).as("served once a connection closed").isEqualTo(200);
        }
    }
}
