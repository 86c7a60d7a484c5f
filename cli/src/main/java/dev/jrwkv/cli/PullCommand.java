package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code jrwkv pull NAME|URL}: downloads a catalogue model (and the vocabulary it needs) or any
 * file by URL into the cache, resuming an interrupted download and checking its SHA-256.
 */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Download a model and its vocabulary (or any file by URL) into the cache.",
                "Interrupted downloads resume; files are checked against their SHA-256 where the source publishes it."})
final class PullCommand implements Callable<Integer> {
    static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    static final String ENDPOINT_ENV = "JRWKV_HF_ENDPOINT";

    private final StdStreams io;

    @Parameters(index = "0", paramLabel = "NAME|URL", description = "A name from `jrwkv list`, or an http(s) URL.")
    String what;

    @Option(names = "--base-url", paramLabel = "URL",
            description = "Hugging Face endpoint or mirror for catalogue names (default: $" + ENDPOINT_ENV + ", else " + DEFAULT_ENDPOINT + ").")
    String baseUrl;

    @Option(names = "--force", description = "Download again even when the file is already in the cache.")
    boolean force;

    @Mixin
    CacheOption cache;

    PullCommand(StdStreams io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        Path dir = cache.dir();
        List<Download> todo = new ArrayList<>();
        if (what.startsWith("http://") || what.startsWith("https://")) {
            URI uri = parse(what);
            String path = uri.getPath() == null ? "" : uri.getPath();
            String name = path.substring(path.lastIndexOf('/') + 1);
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                throw new JrwkvException("cannot tell a file name from " + what + ": the URL must end with the file name");
            }
            todo.add(new Download(uri, dir.resolve(name), null));
        } else {
            Optional<CatalogueEntry> entry = Catalogue.find(what);
            if (entry.isEmpty()) {
                throw new JrwkvException("unknown model '" + what + "': give a name from `jrwkv list` or an http(s) URL");
            }
            String endpoint = endpoint();
            todo.add(new Download(entry.get().uri(endpoint), dir.resolve(entry.get().file()), entry.get().sha256()));
            if (entry.get().vocab() != null) {
                CatalogueEntry vocab = Catalogue.find(entry.get().vocab()).orElseThrow();
                todo.add(new Download(vocab.uri(endpoint), dir.resolve(vocab.file()), vocab.sha256()));
            }
        }
        Downloader downloader = new Downloader(io.err(), io.terminal());
        for (Download d : todo) {
            if (!force && Files.isRegularFile(d.target)) {
                io.out().println(d.target + ": already downloaded");
                continue;
            }
            io.err().println("downloading " + d.uri);
            Downloader.Result r = downloader.download(d.uri, d.target, d.sha256);
            io.out().println(r.file() + ": " + String.format("%,d", r.bytes()) + " bytes, sha256 " + r.sha256()
                    + (r.verified() ? " (verified)" : " (not verified: the source publishes no hash)"));
        }
        io.out().flush();
        return 0;
    }

    private record Download(URI uri, Path target, String sha256) {
    }

    private String endpoint() {
        String e = baseUrl;
        if (e == null || e.isBlank()) e = System.getenv(ENDPOINT_ENV);
        if (e == null || e.isBlank()) e = DEFAULT_ENDPOINT;
        parse(e);
        return e;
    }

    private static URI parse(String url) {
        try {
            URI u = URI.create(url);
            if (u.getHost() == null) throw new IllegalArgumentException("no host");
            return u;
        } catch (IllegalArgumentException e) {
            throw new JrwkvException("'" + url + "' is not a valid URL: " + e.getMessage());
        }
    }
}
