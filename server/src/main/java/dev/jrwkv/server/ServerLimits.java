package dev.jrwkv.server;

import java.time.Duration;

/**
 * What one client may ask of {@link JrwkvServer}: the bounds that keep a hostile or broken client
 * from exhausting memory, slots, threads or connections. The defaults are safe for a server on a
 * network; every bound has a {@code jrwkv serve} flag.
 *
 * <pre>{@code
 * ServerLimits l = ServerLimits.defaults().withRequestTimeout(Duration.ofMinutes(2)).withMaxConnections(64);
 * ServerOptions o = ServerOptions.defaults().withLimits(l);
 * }</pre>
 *
 * @param maxBodyBytes    largest request body (413 beyond)
 * @param maxTokens       largest {@code max_tokens} / {@code max_completion_tokens} (400 beyond)
 * @param maxN            largest {@code n} (400 beyond)
 * @param maxPromptTokens prompt tokens of one request, all prompts together (400 {@code context_length_exceeded} beyond)
 * @param requestTimeout  time from acceptance to the end of generation: a sequence still decoding then ends with
 *                        finish_reason {@code length}; one that has not produced a token gets a 503 {@code timeout}
 * @param readTimeout     time a client has to send a request's headers, and again its body (slow-client protection;
 *                        the connection is closed, or the request gets a 408)
 * @param idleTimeout     a connection with no bytes moving either way for this long is closed
 * @param maxHeaderBytes  request line and headers together (Jetty answers 431 beyond)
 * @param maxHeaderCount  number of request header fields (431 beyond)
 * @param maxConnections  open TCP connections; beyond, new ones wait in the accept backlog until one closes
 */
public record ServerLimits(int maxBodyBytes, int maxTokens, int maxN, int maxPromptTokens, Duration requestTimeout,
                           Duration readTimeout, Duration idleTimeout, int maxHeaderBytes, int maxHeaderCount, int maxConnections) {

    public ServerLimits {
        if (maxBodyBytes < 1024) throw new IllegalArgumentException("max body bytes must be >= 1024, got " + maxBodyBytes);
        if (maxTokens < 1) throw new IllegalArgumentException("max tokens must be >= 1, got " + maxTokens);
        if (maxN < 1) throw new IllegalArgumentException("max n must be >= 1, got " + maxN);
        if (maxPromptTokens < 1) throw new IllegalArgumentException("max prompt tokens must be >= 1, got " + maxPromptTokens);
        positive(requestTimeout, "request timeout");
        positive(readTimeout, "read timeout");
        positive(idleTimeout, "idle timeout");
        if (maxHeaderBytes < 1024) throw new IllegalArgumentException("max header bytes must be >= 1024, got " + maxHeaderBytes);
        if (maxHeaderCount < 8) throw new IllegalArgumentException("max header count must be >= 8, got " + maxHeaderCount);
        if (maxConnections < 1) throw new IllegalArgumentException("max connections must be >= 1, got " + maxConnections);
    }

    private static void positive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(what + " must be positive, got " + d);
    }

    /**
     * 8 MiB bodies, {@code max_tokens} up to 65536, {@code n} up to 16, 65536 prompt tokens, 10 minutes per
     * request, 10 s to send headers and body, 30 s idle, 8 KiB and 64 header fields, 512 connections.
     */
    public static ServerLimits defaults() {
        return new ServerLimits(8 << 20, 1 << 16, 16, 1 << 16, Duration.ofMinutes(10), Duration.ofSeconds(10), Duration.ofSeconds(30),
                8 << 10, 64, 512);
    }

    public ServerLimits withMaxBodyBytes(int v) {
        return new ServerLimits(v, maxTokens, maxN, maxPromptTokens, requestTimeout, readTimeout, idleTimeout, maxHeaderBytes, maxHeaderCount, maxConnections);
    }

    public ServerLimits withMaxTokens(int v) {
        return new ServerLimits(maxBodyBytes, v, maxN, maxPromptTokens, requestTimeout, readTimeout, idleTimeout, maxHeaderBytes, maxHeaderCount, maxConnections);
    }

    public ServerLimits withMaxN(int v) {
        return new ServerLimits(maxBodyBytes, maxTokens, v, maxPromptTokens, requestTimeout, readTimeout, idleTimeout, maxHeaderBytes, maxHeaderCount, maxConnections);
    }

    public ServerLimits withMaxPromptTokens(int v) {
        return new ServerLimits(maxBodyBytes, maxTokens, maxN, v, requestTimeout, readTimeout, idleTimeout, maxHeaderBytes, maxHeaderCount, maxConnections);
    }

    public ServerLimits withRequestTimeout(Duration v) {
        return new ServerLimits(maxBodyBytes, maxTokens, maxN, maxPromptTokens, v, readTimeout, idleTimeout, maxHeaderBytes, maxHeaderCount, maxConnections);
    }

    public ServerLimits withReadTimeout(Duration v) {
        return new ServerLimits(maxBodyBytes, maxTokens, maxN, maxPromptTokens, requestTimeout, v, idleTimeout, maxHeaderBytes, maxHeaderCount, maxConnections);
    }

    public ServerLimits withIdleTimeout(Duration v) {
        return new ServerLimits(maxBodyBytes, maxTokens, maxN, maxPromptTokens, requestTimeout, readTimeout, v, maxHeaderBytes, maxHeaderCount, maxConnections);
    }

    public ServerLimits withMaxHeaderBytes(int v) {
        return new ServerLimits(maxBodyBytes, maxTokens, maxN, maxPromptTokens, requestTimeout, readTimeout, idleTimeout, v, maxHeaderCount, maxConnections);
    }

    public ServerLimits withMaxHeaderCount(int v) {
        return new ServerLimits(maxBodyBytes, maxTokens, maxN, maxPromptTokens, requestTimeout, readTimeout, idleTimeout, maxHeaderBytes, v, maxConnections);
    }

    public ServerLimits withMaxConnections(int v) {
        return new ServerLimits(maxBodyBytes, maxTokens, maxN, maxPromptTokens, requestTimeout, readTimeout, idleTimeout, maxHeaderBytes, maxHeaderCount, v);
    }
}
