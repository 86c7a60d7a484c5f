package dev.jrwkv.server;

import java.nio.file.Path;

/**
 * How {@link JrwkvServer} listens and how much it takes on.
 *
 * <pre>{@code
 * ServerOptions o = ServerOptions.defaults().withPort(0).withMaxSessions(8).withApiKey("secret");
 * }</pre>
 *
 * @param host             interface to bind; loopback unless told otherwise
 * @param port             TCP port; 0 picks a free one
 * @param maxSessions      sequences decoded together (one batched forward per step)
 * @param queueSize        sequences that may wait for a slot; beyond that requests get 429
 * @param apiKey           when set, every request but {@code /health} needs {@code Authorization: Bearer KEY}
 * @param statesDir        folder of named initial states ({@code "state": "name"} reads {@code name.state}), or null
 * @param modelName        the model id the API reports and accepts
 * @param cacheBytes       memory bound of the state cache; 0 turns it off
 * @param cacheDir         folder the state cache spills to, or null
 * @param promptChunk      prompt tokens read per step (shared by all sessions reading a prompt)
 * @param defaultMaxTokens tokens generated when a request does not say (at most {@code limits.maxTokens()})
 * @param limits           what one client may ask: body size, {@code max_tokens}, {@code n}, prompt tokens, time, connections
 */
public record ServerOptions(String host, int port, int maxSessions, int queueSize, String apiKey, Path statesDir,
                            String modelName, long cacheBytes, Path cacheDir, int promptChunk, int defaultMaxTokens,
                            ServerLimits limits) {

    public ServerOptions {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host must be given");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        if (maxSessions < 1) throw new IllegalArgumentException("max sessions must be >= 1, got " + maxSessions);
        if (queueSize < 0) throw new IllegalArgumentException("queue size must be >= 0, got " + queueSize);
        if (apiKey != null && apiKey.isBlank()) apiKey = null;
        if (cacheBytes < 0) throw new IllegalArgumentException("cache bytes must be >= 0");
        if (promptChunk < 1) throw new IllegalArgumentException("prompt chunk must be >= 1");
        if (limits == null) throw new IllegalArgumentException("limits must be given");
        if (defaultMaxTokens < 1) throw new IllegalArgumentException("default max tokens must be >= 1");
    }

    /** Loopback, port 8080, 8 sessions, a queue of 64, a 256 MiB state cache in memory, 128-token prompt chunks, {@link ServerLimits#defaults()}. */
    public static ServerOptions defaults() {
        return new ServerOptions("127.0.0.1", 8080, 8, 64, null, null, "rwkv", 256L << 20, null, 128, 256, ServerLimits.defaults());
    }

    public ServerOptions withHost(String h) {
        return new ServerOptions(h, port, maxSessions, queueSize, apiKey, statesDir, modelName, cacheBytes, cacheDir, promptChunk, defaultMaxTokens, limits);
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(host, p, maxSessions, queueSize, apiKey, statesDir, modelName, cacheBytes, cacheDir, promptChunk, defaultMaxTokens, limits);
    }

    public ServerOptions withMaxSessions(int n) {
        return new ServerOptions(host, port, n, queueSize, apiKey, statesDir, modelName, cacheBytes, cacheDir, promptChunk, defaultMaxTokens, limits);
    }

    public ServerOptions withQueueSize(int n) {
        return new ServerOptions(host, port, maxSessions, n, apiKey, statesDir, modelName, cacheBytes, cacheDir, promptChunk, defaultMaxTokens, limits);
    }

    public ServerOptions withApiKey(String key) {
        return new ServerOptions(host, port, maxSessions, queueSize, key, statesDir, modelName, cacheBytes, cacheDir, promptChunk, defaultMaxTokens, limits);
    }

    public ServerOptions withStatesDir(Path dir) {
        return new ServerOptions(host, port, maxSessions, queueSize, apiKey, dir, modelName, cacheBytes, cacheDir, promptChunk, defaultMaxTokens, limits);
    }

    public ServerOptions withModelName(String name) {
        return new ServerOptions(host, port, maxSessions, queueSize, apiKey, statesDir, name, cacheBytes, cacheDir, promptChunk, defaultMaxTokens, limits);
    }

    public ServerOptions withCache(long bytes, Path spillDir) {
        return new ServerOptions(host, port, maxSessions, queueSize, apiKey, statesDir, modelName, bytes, spillDir, promptChunk, defaultMaxTokens, limits);
    }

    public ServerOptions withPromptChunk(int tokens) {
        return new ServerOptions(host, port, maxSessions, queueSize, apiKey, statesDir, modelName, cacheBytes, cacheDir, tokens, defaultMaxTokens, limits);
    }

    public ServerOptions withLimits(ServerLimits l) {
        return new ServerOptions(host, port, maxSessions, queueSize, apiKey, statesDir, modelName, cacheBytes, cacheDir, promptChunk, defaultMaxTokens, l);
    }
}
