package dev.jrwkv.server;

import dev.jrwkv.generate.StateCache;

import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The server's counters, rendered in the Prometheus text format for {@code GET /metrics}.
 * Counters are thread-safe; the tokens-per-second gauge covers the last {@value #WINDOW_SECONDS} seconds.
 */
final class Metrics {
    static final int WINDOW_SECONDS = 10;

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final LongAdder generatedTokens = new LongAdder();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder steps = new LongAdder();
    private final LongAdder timeLimited = new LongAdder();

    private final ArrayDeque<long[]> recent = new ArrayDeque<>();   // {nanoTime, tokens} per step
    private final StateCache cache;
    private final IntSupplier queueDepth;
    private final IntSupplier activeSessions;
    private final IntSupplier openConnections;
    private final LongSupplier slowClientsClosed;

    Metrics(StateCache cache, IntSupplier queueDepth, IntSupplier activeSessions, IntSupplier openConnections, LongSupplier slowClientsClosed) {
        this.slowClientsClosed = slowClientsClosed;
        this.cache = cache;
        this.queueDepth = queueDepth;
        this.activeSessions = activeSessions;
        this.openConnections = openConnections;
    }

    void request(String endpoint, int status) {
        requests.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder()).increment();
    }

    /** A sequence stopped by the request time limit. */
    void timeLimited() {
        timeLimited.increment();
    }

    void promptTokensRead(int n) {
        promptTokens.add(n);
    }

    /** One scheduler step that generated {@code tokens} tokens. */
    void step(int tokens) {
        steps.increment();
        if (tokens == 0) return;
        generatedTokens.add(tokens);
        long now = System.nanoTime();
        synchronized (recent) {
            recent.addLast(new long[] {now, tokens});
            prune(now);
        }
    }

    long generatedTokens() {
        return generatedTokens.sum();
    }

    /** Tokens generated per second over the last window. */
    double tokensPerSecond() {
        long now = System.nanoTime();
        synchronized (recent) {
            prune(now);
            if (recent.isEmpty()) return 0;
            long total = 0;
            for (long[] r : recent) total += r[1];
            return total / (double) WINDOW_SECONDS;
        }
    }

    private void prune(long now) {
        while (!recent.isEmpty() && now - recent.peekFirst()[0] > WINDOW_SECONDS * 1_000_000_000L) recent.removeFirst();
    }

    String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP jrwkv_requests_total HTTP requests by endpoint and status.\n# TYPE jrwkv_requests_total counter\n");
        new TreeMap<>(requests).forEach((k, v) -> {
            String[] parts = k.split("\u0000");
            sb.append("jrwkv_requests_total{endpoint=\"").append(parts[0]).append("\",status=\"").append(parts[1]).append("\"} ").append(v.sum()).append('\n');
        });
        counter(sb, "jrwkv_generated_tokens_total", "Tokens generated.", generatedTokens.sum());
        counter(sb, "jrwkv_prompt_tokens_total", "Prompt tokens read by the model (cache hits excluded).", promptTokens.sum());
        counter(sb, "jrwkv_scheduler_steps_total", "Batched forward steps.", steps.sum());
        counter(sb, "jrwkv_time_limited_total", "Sequences stopped by the request time limit.", timeLimited.sum());
        counter(sb, "jrwkv_slow_clients_closed_total", "Connections closed because a request's headers or body came too slowly.", slowClientsClosed.getAsLong());
        gauge(sb, "jrwkv_open_connections", "Open HTTP connections.", openConnections.getAsInt());
        gauge(sb, "jrwkv_tokens_per_second", "Tokens generated per second over the last " + WINDOW_SECONDS + " s.", tokensPerSecond());
        gauge(sb, "jrwkv_queue_depth", "Sequences waiting for a slot.", queueDepth.getAsInt());
        gauge(sb, "jrwkv_active_sessions", "Sequences being decoded.", activeSessions.getAsInt());
        if (cache != null) {
            counter(sb, "jrwkv_cache_hits_total", "State cache lookups that found a prefix.", cache.hits());
            counter(sb, "jrwkv_cache_misses_total", "State cache lookups that found nothing.", cache.misses());
            counter(sb, "jrwkv_cache_tokens_saved_total", "Prompt tokens not read again thanks to the cache.", cache.tokensSaved());
            gauge(sb, "jrwkv_cache_bytes", "Bytes of states held in memory.", cache.bytes());
            gauge(sb, "jrwkv_cache_spilled_bytes", "Bytes of states spilled to disk.", cache.spilledBytes());
            gauge(sb, "jrwkv_cache_entries", "Cached states.", cache.entries());
        } else {
            counter(sb, "jrwkv_cache_hits_total", "State cache lookups that found a prefix.", 0);
            counter(sb, "jrwkv_cache_misses_total", "State cache lookups that found nothing.", 0);
        }
        return sb.toString();
    }

    private static void counter(StringBuilder sb, String name, String help, long value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, double value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(value == Math.rint(value) ? String.valueOf((long) value) : String.format(Locale.ROOT, "%.3f", value)).append('\n');
    }
}
