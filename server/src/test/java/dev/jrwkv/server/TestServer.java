package dev.jrwkv.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jrwkv.generate.Rwkv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** A server on an ephemeral loopback port over the tiny byte-level model, and a client for it. */
final class TestServer implements AutoCloseable {
    static final String MODEL = "tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin";
    static final ObjectMapper JSON = new ObjectMapper();

    final Rwkv rwkv;
    final JrwkvServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    String key;

    TestServer(ServerOptions options) {
        Path file = Fixtures.file(MODEL);
        rwkv = Rwkv.load(file);
        server = JrwkvServer.start(rwkv, options.withHost("127.0.0.1").withPort(0).withModelName("tiny"));
    }

    static TestServer start() {
        return new TestServer(ServerOptions.defaults());
    }

    URI uri(String path) {
        return server.uri().resolve(path);
    }

    HttpResponse<String> post(String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return send(b.build());
    }

    HttpResponse<String> get(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET();
        if (key != null) b.header("Authorization", "Bearer " + key);
        return send(b.build());
    }

    HttpResponse<String> send(HttpRequest r) {
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JSON payloads of an SSE body, checking the framing: every event is one {@code data: } line and a blank line, ending with [DONE]. */
    static List<JsonNode> events(String sse) {
        if (!sse.endsWith("data: [DONE]\n\n")) throw new AssertionError("stream does not end with data: [DONE]: " + tail(sse));
        List<JsonNode> out = new ArrayList<>();
        String[] blocks = sse.split("\n\n", -1);
        for (int i = 0; i < blocks.length - 2; i++) {
            if (!blocks[i].startsWith("data: ") || blocks[i].contains("\n")) throw new AssertionError("bad SSE event: " + blocks[i]);
            out.add(json(blocks[i].substring(6)));
        }
        if (!blocks[blocks.length - 2].equals("data: [DONE]") || !blocks[blocks.length - 1].isEmpty()) throw new AssertionError("bad stream end");
        return out;
    }

    private static String tail(String s) {
        return s.length() < 200 ? s : s.substring(s.length() - 200);
    }

    /** Polls {@code /metrics} until {@code name} has {@code value}. */
    void awaitMetric(String name, long value) {
        await(() -> metric(name) == value, name + " == " + value);
    }

    long metric(String name) {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) return (long) Double.parseDouble(line.substring(name.length() + 1));
        }
        throw new AssertionError("no metric " + name);
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void close() {
        server.close();
        rwkv.close();
    }
}
