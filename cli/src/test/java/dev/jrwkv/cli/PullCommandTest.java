package dev.jrwkv.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code jrwkv pull} and {@code jrwkv list} against a local HTTP server (no internet). */
class PullCommandTest {
    private static final int SIZE = 300_000;

    @TempDir
    Path cache;

    private FileServer server;
    private byte[] body;

    @BeforeEach
    void start() throws IOException {
        server = new FileServer();
        body = new byte[SIZE];
        new Random(42).nextBytes(body);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Cli.Result pull(Object what) {
        return Cli.run("pull", what, "--base-url", server.base(), "--cache-dir", cache);
    }

    @Test
    void catalogueModelAndItsVocabularyAreDownloadedAndVerified() throws IOException {
        CatalogueEntry model = Catalogue.find("rwkv7-g1-0.1b").orElseThrow();
        CatalogueEntry vocab = Catalogue.find(Catalogue.WORLD_VOCAB).orElseThrow();
        // as on Hugging Face: the resolve URL redirects to storage and carries the SHA-256
        server.file("/cdn/blob1", body, sha256(body));
        server.redirect("/" + model.repo() + "/resolve/main/" + model.file(), "/cdn/blob1");
        byte[] vocabBytes = Files.readAllBytes(Fixtures.file("tokenizers/rwkv_vocab_v20230424.txt"));
        server.file("/" + vocab.repo() + "/resolve/main/" + vocab.file(), vocabBytes, null);   // the catalogue's hash is used

        var r = pull("rwkv7-g1-0.1b");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(cache.resolve(model.file()))).isEqualTo(body);
        assertThat(Files.readAllBytes(cache.resolve(vocab.file()))).isEqualTo(vocabBytes);
        assertThat(r.out()).contains(model.file()).contains(vocab.file()).contains("(verified)").doesNotContain("not verified");
        assertNoPartFiles();

        var again = pull("rwkv7-g1-0.1b");
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).contains("already downloaded");

        var list = Cli.run("list", "--cache-dir", cache);
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).containsPattern("rwkv7-g1-0\\.1b\\s+300\\.0 kB").containsPattern("world-vocab\\s+1\\.1 MB")
                .containsPattern("rwkv7-g1-0\\.4b\\s+-");
    }

    @Test
    void interruptedTransferIsResumedWithRange() throws IOException {
        server.file("/files/model.bin", body, sha256(body));
        server.cutAfter = 100_000;
        String url = server.base() + "/files/model.bin";
        var first = pull(url);
        assertThat(first.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(first.err()).contains("run the command again to resume");
        Path target = cache.resolve("model.bin");
        Path part = Downloader.partOf(target);
        assertThat(target).as("an unfinished file never has the final name").doesNotExist();
        assertThat(Files.size(part)).isPositive().isLessThan(SIZE);
        long had = Files.size(part);

        var second = pull(url);
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(server.ranges).contains("bytes=" + had + "-");
        assertThat(second.err()).contains("resuming model.bin");
        assertThat(Files.readAllBytes(target)).isEqualTo(body);
        assertThat(second.out()).contains("(verified)");
        assertNoPartFiles();

        var list = Cli.run("list", "--cache-dir", cache);
        assertThat(list.out()).contains("other files in the cache").contains("model.bin");
    }

    @Test
    void corruptDownloadIsRejectedAndDeleted() throws IOException {
        byte[] corrupted = body.clone();
        corrupted[1234] ^= 1;
        server.file("/files/model.bin", corrupted, sha256(body));   // the published hash is that of the good file
        var r = pull(server.base() + "/files/model.bin");
        assertThat(r.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(r.err()).contains("corrupt").contains(sha256(body)).contains(sha256(corrupted));
        assertThat(cache.resolve("model.bin")).doesNotExist();
        assertNoPartFiles();
    }

    @Test
    void catalogueHashRejectsAWrongVocabulary() throws IOException {
        CatalogueEntry vocab = Catalogue.find(Catalogue.WORLD_VOCAB).orElseThrow();
        server.file("/" + vocab.repo() + "/resolve/main/" + vocab.file(), "1 'a' 1\n".getBytes(), null);
        var r = pull(Catalogue.WORLD_VOCAB);
        assertThat(r.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(r.err()).contains("corrupt").contains(vocab.sha256());
        assertThat(cache.resolve(vocab.file())).doesNotExist();
        assertNoPartFiles();
    }

    @Test
    void serverThatIgnoresRangeStartsAgainFromZero() throws IOException {
        server.file("/files/model.bin", body, sha256(body));
        server.honourRange = false;
        Path part = Downloader.partOf(cache.resolve("model.bin"));
        Files.write(part, new byte[5000]);   // a stale partial download (zeros, not the file's bytes)
        var r = pull(server.base() + "/files/model.bin");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(server.ranges).contains("bytes=5000-");
        assertThat(r.err()).contains("starting again from 0");
        assertThat(Files.readAllBytes(cache.resolve("model.bin"))).isEqualTo(body);
        assertNoPartFiles();
    }

    @Test
    void fileWithoutAPublishedHashIsKeptUnverified() throws IOException {
        server.file("/files/notes.txt", "hello".getBytes(), null);
        var r = pull(server.base() + "/files/notes.txt");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("not verified");
        assertThat(Files.readString(cache.resolve("notes.txt"))).isEqualTo("hello");
    }

    @Test
    void unknownNamesAndMissingFilesAreUserErrors() throws IOException {
        var unknown = pull("rwkv-99-huge");
        assertThat(unknown.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(unknown.err()).contains("rwkv-99-huge").contains("jrwkv list");
        var missing = pull(server.base() + "/files/nothing.bin");
        assertThat(missing.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(missing.err()).contains("HTTP 404");
        assertNoPartFiles();
    }

    @Test
    void listShowsTheCatalogueAndPartialDownloads() throws IOException {
        Files.write(Downloader.partOf(cache.resolve(Catalogue.find("rwkv7-world-0.1b").orElseThrow().file())), new byte[2000]);
        var r = Cli.run("list", "--cache-dir", cache);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("cache: " + cache).containsPattern("rwkv7-world-0\\.1b\\s+partial 2\\.0 kB")
                .contains("rwkv7-g1-2.9b").contains("neox-vocab").doesNotContain("other files");
    }

    @Test
    void publishedHashIsReadFromLinkedEtagOrASha256Etag() {
        var headers = java.net.http.HttpHeaders.of(java.util.Map.of("ETag", java.util.List.of("\"" + "a".repeat(64) + "\"")), (a, b) -> true);
        assertThat(Downloader.publishedSha256(headers)).isEqualTo("a".repeat(64));
        var gitSha1 = java.net.http.HttpHeaders.of(java.util.Map.of("ETag", java.util.List.of("\"" + "b".repeat(40) + "\"")), (a, b) -> true);
        assertThat(Downloader.publishedSha256(gitSha1)).as("a git blob id is not a SHA-256").isNull();
    }

    private void assertNoPartFiles() throws IOException {
        try (var files = Files.list(cache)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".part")).toList()).isEmpty();
        }
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
