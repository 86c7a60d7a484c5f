package dev.jrwkv.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small HTTP file server on 127.0.0.1 for download tests, behaving like Hugging Face where asked:
 * a redirect carrying {@code X-Linked-Etag} (the SHA-256), Range requests answered with 206, and
 * on demand a server that ignores Range or a transfer cut off part way.
 */
final class FileServer implements AutoCloseable {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private record Served(byte[] body, String sha256) {
    }

    private final HttpServer server;
    private final Map<String, Served> files = new ConcurrentHashMap<>();
    private final Map<String, String> redirects = new ConcurrentHashMap<>();
    final List<String> ranges = new CopyOnWriteArrayList<>();
    volatile boolean honourRange = true;
    /** When positive, the next response sends only this many body bytes, then drops the connection. */
    volatile int cutAfter = -1;

    FileServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves {@code body} at {@code path}; {@code sha256} (may be wrong on purpose, or null) goes in X-Linked-Etag. */
    void file(String path, byte[] body, String sha256) {
        files.put(path, new Served(body, sha256));
    }

    /** {@code from} answers 302 to {@code to}, with the target's X-Linked-Etag, as Hugging Face's resolve URLs do. */
    void redirect(String from, String to) {
        redirects.put(from, to);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String range = ex.getRequestHeaders().getFirst("Range");
            if (range != null) ranges.add(range);
            String to = redirects.get(path);
            if (to != null) {
                Served target = files.get(to);
                if (target != null && target.sha256 != null) ex.getResponseHeaders().add("X-Linked-Etag", "\"" + target.sha256 + "\"");
                ex.getResponseHeaders().add("Location", to);
                ex.sendResponseHeaders(302, -1);
                return;
            }
            Served f = files.get(path);
            if (f == null) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            if (f.sha256 != null) ex.getResponseHeaders().add("X-Linked-Etag", "\"" + f.sha256 + "\"");
            int from = 0;
            Matcher m = range == null ? null : RANGE.matcher(range);
            if (honourRange && m != null && m.matches()) {
                from = Integer.parseInt(m.group(1));
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (f.body.length - 1) + "/" + f.body.length);
                ex.sendResponseHeaders(206, f.body.length - from);
            } else {
                ex.sendResponseHeaders(200, f.body.length);
            }
            OutputStream out = ex.getResponseBody();
            int cut = cutAfter;
            if (cut > 0) {
                cutAfter = -1;
                out.write(f.body, from, cut);
                out.flush();
                throw new IOException("connection cut on purpose");   // the server drops the connection short of Content-Length
            }
            out.write(f.body, from, f.body.length - from);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
