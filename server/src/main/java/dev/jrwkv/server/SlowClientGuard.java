package dev.jrwkv.server;

import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Slowloris protection: closes a connection whose request line and headers have been arriving for
 * longer than the read timeout. Jetty's idle timeout alone does not stop a client that sends one header
 * byte every few seconds (each byte restarts it), and Jetty 12 has no header deadline of its own, so
 * this sweeps the open HTTP/1 connections a few times per timeout and looks at where each one's
 * parser is. Request bodies are bounded by {@link ApiHandler} (the same timeout); idle keep-alive
 * connections and responses being streamed are not in the header state and are left alone.
 *
 * <p>Registered as a bean on the connector: {@code connector.addBean(new SlowClientGuard(...))}.
 */
final class SlowClientGuard extends AbstractLifeCycle implements Connection.Listener {
    private static final System.Logger LOG = System.getLogger(SlowClientGuard.class.getName());

    private final Scheduler scheduler;
    private final long timeoutNanos;
    private final long periodMillis;
    private final LongAdder closed = new LongAdder();
    /** Open HTTP/1 connections; the value is when the current request's headers were first seen arriving (0 = not arriving). */
    private final Map<HttpConnection, Long> open = new ConcurrentHashMap<>();
    private volatile Scheduler.Task task;

    SlowClientGuard(Scheduler scheduler, Duration timeout) {
        this.scheduler = scheduler;
        this.timeoutNanos = timeout.toNanos();
        this.periodMillis = Math.max(50, timeout.toMillis() / 4);
    }

    int openConnections() {
        return open.size();
    }

    /** Connections closed so far for sending their headers too slowly. */
    long closedConnections() {
        return closed.sum();
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection instanceof HttpConnection http) open.put(http, 0L);
    }

    @Override
    public void onClosed(Connection connection) {
        if (connection instanceof HttpConnection http) open.remove(http);
    }

    @Override
    protected void doStart() {
        task = scheduler.schedule(this::sweep, periodMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() {
        Scheduler.Task t = task;
        if (t != null) t.cancel();
        open.clear();
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            for (Map.Entry<HttpConnection, Long> e : open.entrySet()) {
                HttpConnection c = e.getKey();
                // read without the connection's lock: a stale view only delays the verdict by one sweep
                HttpParser p = c.getParser();
                boolean arriving = p.inHeaderState() && (!p.isStart() || p.getHeaderLength() > 0);
                long since = e.getValue();
                if (!arriving) {
                    if (since != 0) e.setValue(0L);
                } else if (since == 0) {
                    e.setValue(now);
                } else if (now - since > timeoutNanos) {
                    open.remove(c);
                    LOG.log(System.Logger.Level.DEBUG, "closing " + c.getEndPoint().getRemoteSocketAddress() + ": request headers still arriving after the read timeout");
                    closed.increment();
                    c.getEndPoint().close();
                }
            }
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "slow-client sweep failed", ex);
        } finally {
            if (isRunning()) task = scheduler.schedule(this::sweep, periodMillis, TimeUnit.MILLISECONDS);
        }
    }
}
