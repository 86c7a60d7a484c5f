package dev.jrwkv.server;

import dev.jrwkv.generate.Rwkv;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A load run, not a test: CLIENTS concurrent streaming clients, each asking for TOKENS tokens, against
 * an in-process server with SESSIONS slots (1 = one at a time). Prints requests/s, aggregate tokens/s
 * and time to first token (p50/p99).
 *
 * <pre>
 * java -cp server/target/classes:server/target/test-classes:$(cat cp.txt) dev.jrwkv.server.LoadRun MODEL CLIENTS TOKENS SESSIONS
 * </pre>
 */
public final class LoadRun {
    private LoadRun() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int clients = Integer.parseInt(args[1]);
        int tokens = Integer.parseInt(args[2]);
        int sessions = Integer.parseInt(args[3]);
        try (Rwkv rwkv = Rwkv.load(model);
             JrwkvServer server = JrwkvServer.start(rwkv, ServerOptions.defaults().withPort(0).withMaxSessions(sessions).withQueueSize(clients));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI uri = server.uri().resolve("/v1/completions");
            run(http, uri, pool, clients, tokens);          // warm-up: the same load once, so the JIT has compiled every batch shape
            long start = System.nanoTime();
            long[] ttft = run(http, uri, pool, clients, tokens);
            double seconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(ttft);
            System.out.printf(Locale.ROOT, "clients=%d tokens=%d sessions=%d: %.2f s, %.2f requests/s, %.0f tokens/s, TTFT p50 %.0f ms, p99 %.0f ms%n",
                    clients, tokens, sessions, seconds, clients / seconds, (double) clients * tokens / seconds,
                    ttft[ttft.length / 2] / 1e6, ttft[Math.min(ttft.length - 1, (int) Math.ceil(ttft.length * 0.99) - 1)] / 1e6);
        }
    }

    /** Returns each client's time to first token, in nanoseconds. */
    private static long[] run(HttpClient http, URI uri, ExecutorService pool, int clients, int tokens) throws Exception {
        List<Future<Long>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            String body = "{\"prompt\": \"Client %d says: once upon a time\", \"max_tokens\": %d, \"seed\": %d, \"stream\": true}".formatted(c, tokens, c);
            futures.add(pool.submit(() -> {
                long t0 = System.nanoTime();
                HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                long first = -1;
                try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        if (first < 0 && line.startsWith("data: {")) first = System.nanoTime() - t0;
                    }
                }
                if (r.statusCode() != 200) throw new IllegalStateException("status " + r.statusCode());
                return first;
            }));
        }
        long[] out = new long[clients];
        for (int c = 0; c < clients; c++) out[c] = futures.get(c).get();
        return out;
    }
}
