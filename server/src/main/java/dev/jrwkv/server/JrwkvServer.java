package dev.jrwkv.server;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.generate.Rwkv;
import dev.jrwkv.generate.StateCache;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.net.URI;
import java.util.concurrent.Executors;

/**
 * {@code jrwkv serve}: an OpenAI-compatible HTTP server over one model. {@code GET /v1/models},
 * {@code POST /v1/completions}, {@code POST /v1/chat/completions} (JSON or server-sent events),
 * {@code GET /health}, {@code GET /metrics} (Prometheus). All sessions advance together in one
 * batched forward per step ({@link BatchScheduler}); prompts that extend an earlier one restart from
 * its cached state. The server does not own the model: close both.
 *
 * <pre>{@code
 * try (Rwkv rwkv = Rwkv.load(Path.of("model.pth"));
 *      JrwkvServer server = JrwkvServer.start(rwkv, ServerOptions.defaults().withPort(8080))) {
 *     server.join();
 * }
 * }</pre>
 */
public final class JrwkvServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final BatchScheduler scheduler;
    private final SlowClientGuard guard;

    private JrwkvServer(Server server, ServerConnector connector, BatchScheduler scheduler, SlowClientGuard guard) {
        this.server = server;
        this.guard = guard;
        this.connector = connector;
        this.scheduler = scheduler;
    }

    /** Binds and starts serving; throws a {@link JrwkvException} naming the address when it cannot. */
    public static JrwkvServer start(Rwkv rwkv, ServerOptions options) {
        StateCache cache = options.cacheBytes() == 0 ? null
                : new StateCache(rwkv.model(), options.cacheBytes(), options.cacheDir(), options.cacheDir() == null ? 0 : 4 * options.cacheBytes());
        BatchScheduler scheduler = new BatchScheduler(rwkv.model(), options.maxSessions(), options.queueSize(), options.promptChunk(), cache);
        ServerLimits limits = options.limits();
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("jrwkv-http");
        // blocking handler work (waiting for tokens, writing to slow clients) runs on virtual threads
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Server server = new Server(pool);
        server.setStopTimeout(2_000);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(limits.maxHeaderBytes());      // request line + headers; Jetty answers 431 beyond
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        SlowClientGuard guard = new SlowClientGuard(connector.getScheduler(), limits.readTimeout());
        connector.addBean(guard);        // a Connection.Listener bean: told of every connection opened and closed
        server.addConnector(connector);
        // at the limit Jetty stops accepting: new connections wait in the backlog until one closes
        server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
        Metrics metrics = new Metrics(cache, scheduler::queueDepth, scheduler::activeSessions, guard::openConnections, guard::closedConnections);
        server.setHandler(new ApiHandler(rwkv, options, scheduler, metrics, new NamedStates(options.statesDir(), rwkv.model())));
        scheduler.start(metrics);
        try {
            server.start();
        } catch (Exception e) {
            scheduler.close();
            try {
                server.stop();
            } catch (Exception ignored) {
                // already failing: report the first error
            }
            throw new JrwkvException("cannot serve on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
        }
        return new JrwkvServer(server, connector, scheduler, guard);
    }

    /** The port bound (useful with port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://host:port}. */
    public URI uri() {
        String host = connector.getHost();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
    }

    /** Open HTTP connections now. */
    public int openConnections() {
        return guard.openConnections();
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        scheduler.close();
        try {
            server.stop();
        } catch (Exception e) {
            throw new JrwkvException("cannot stop the server: " + e.getMessage(), e);
        }
    }
}
