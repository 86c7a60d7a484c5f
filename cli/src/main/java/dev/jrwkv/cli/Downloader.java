package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads one file over HTTP(S) into place: the bytes go to {@code FILE.part}, an interrupted
 * transfer is resumed with an HTTP {@code Range} request (from zero when the server ignores it),
 * the result is checked against a SHA-256 (given, or published by the server: Hugging Face's
 * {@code X-Linked-Etag}/{@code ETag} of an LFS file is its SHA-256), and only a complete, verified
 * file is renamed (atomically) to its final name. A file that fails the check is deleted.
 *
 * <pre>{@code
 * Downloader.Result r = new Downloader(io.err(), io.terminal()).download(uri, cacheDir.resolve("model.pth"), null);
 * }</pre>
 */
final class Downloader {
    private static final int MAX_REDIRECTS = 10;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    /**
     * @param file     the final file
     * @param bytes    its size
     * @param sha256   its SHA-256 (always computed)
     * @param verified true when it was checked against an expected SHA-256
     * @param resumed  true when a previous partial download was continued
     */
    record Result(Path file, long bytes, String sha256, boolean verified, boolean resumed) {
    }

    private final HttpClient client = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)   // we follow them, to see the hash header of every hop
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30))
            .build();
    private final PrintWriter err;
    private final boolean terminal;

    Downloader(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** The {@code .part} file that holds an unfinished download of {@code target}. */
    static Path partOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".part");
    }

    /** Downloads {@code uri} to {@code target}; {@code expectedSha256} may be null (then the server's hash is used, if any). */
    Result download(URI uri, Path target, String expectedSha256) {
        Path part = partOf(target);
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            long have = Files.isRegularFile(part) ? Files.size(part) : 0;
            Response r = get(uri, have);
            boolean resumed = false;
            if (have > 0 && r.status == 206 && r.rangeStart == have) {
                resumed = true;
                err.println("resuming " + target.getFileName() + " at " + Progress.size(have));
            } else if (have > 0 && r.status == 416) {
                // the part may be complete or stale: we cannot tell, so start again
                r.body.close();
                err.println(target.getFileName() + ": the server refused to resume; starting again from 0");
                have = 0;
                r = get(uri, 0);
            } else if (have > 0) {
                err.println(target.getFileName() + ": the server does not resume downloads; starting again from 0");
                if (r.status == 206) { // a range we did not ask for: ask again for everything
                    r.body.close();
                    r = get(uri, 0);
                }
                have = 0;
            }
            if (r.status != 200 && r.status != 206) {
                r.body.close();
                throw new JrwkvException("cannot download " + uri + ": HTTP " + r.status + (r.status == 404 ? " (not found)" : ""));
            }
            long total = r.total;
            String expected = expectedSha256 != null ? expectedSha256.toLowerCase(Locale.ROOT) : r.sha256;
            long done = copy(r.body, part, resumed, have, total, target.getFileName().toString(), uri);
            if (total >= 0 && done != total) {
                throw new JrwkvException("download of " + uri + " ended after " + done + " of " + total
                        + " bytes; run the command again to resume");
            }
            String actual = sha256(part);
            if (expected != null && !expected.equals(actual)) {
                Files.deleteIfExists(part);
                throw new JrwkvException("download of " + uri + " is corrupt: sha256 " + actual + ", expected " + expected
                        + " (the file was deleted; run the command again)");
            }
            try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new Result(target, done, actual, expected != null, resumed);
        } catch (IOException e) {
            throw new JrwkvException("cannot download " + uri + " to " + target + ": " + describe(e)
                    + (Files.exists(part) ? " (partial file kept; run the command again to resume)" : ""), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JrwkvException("download of " + uri + " interrupted", e);
        }
    }

    /** What we need of a response; the body is open. */
    private record Response(int status, InputStream body, long rangeStart, long total, String sha256) {
    }

    /** GET with redirects followed by hand; asks for the bytes from {@code from} on when it is above 0. */
    private Response get(URI uri, long from) throws IOException, InterruptedException {
        String sha = null;
        URI at = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            String scheme = at.getScheme() == null ? "" : at.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) throw new JrwkvException("cannot download " + at + ": not an http(s) address");
            HttpRequest.Builder req = HttpRequest.newBuilder(at).GET().header("User-Agent", "jrwkv/" + VersionProvider.projectVersion());
            if (from > 0) req.header("Range", "bytes=" + from + "-");
            HttpResponse<InputStream> resp = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
            if (sha == null) sha = publishedSha256(resp.headers());
            int status = resp.statusCode();
            if (status >= 300 && status < 400 && status != 304) {
                resp.body().close();
                String location = resp.headers().firstValue("Location")
                        .orElseThrow(() -> new JrwkvException("cannot download " + uri + ": HTTP " + status + " without a Location"));
                at = at.resolve(location);
                continue;
            }
            long length = resp.headers().firstValueAsLong("Content-Length").orElse(-1);
            long start = 0;
            long total = length;
            if (status == 206) {
                Matcher m = CONTENT_RANGE.matcher(resp.headers().firstValue("Content-Range").orElse(""));
                if (m.matches()) {
                    start = Long.parseLong(m.group(1));
                    total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
                } else {
                    start = -1;   // a partial answer we cannot place: treated as "does not resume"
                }
            }
            return new Response(status, resp.body(), start, total, sha);
        }
        throw new JrwkvException("cannot download " + uri + ": more than " + MAX_REDIRECTS + " redirects");
    }

    /** The SHA-256 a server publishes for the file: Hugging Face's X-Linked-Etag (LFS), else a 64-hex ETag. */
    static String publishedSha256(HttpHeaders headers) {
        for (String name : new String[] {"X-Linked-Etag", "ETag"}) {
            String v = headers.firstValue(name).orElse(null);
            if (v == null) continue;
            v = v.strip();
            if (v.startsWith("W/")) v = v.substring(2);
            v = v.replace("\"", "").toLowerCase(Locale.ROOT);
            if (SHA256.matcher(v).matches()) return v;
        }
        return null;
    }

    private long copy(InputStream body, Path part, boolean append, long have, long total, String label, URI uri) throws IOException {
        long done = append ? have : 0;
        Progress progress = Progress.of(err, terminal, label, total, done);
        try (InputStream in = body;
             OutputStream out = Channels.newOutputStream(FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING))) {
            byte[] buf = new byte[1 << 16];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                    done += n;
                    progress.update(done);
                }
            } catch (IOException e) {
                out.flush();
                if (terminal) err.println();
                throw new JrwkvException("download of " + uri + " interrupted after " + done + (total >= 0 ? " of " + total : "")
                        + " bytes (" + describe(e) + "); run the command again to resume", e);
            }
        }
        progress.finish(done);
        return done;
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) >= 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
