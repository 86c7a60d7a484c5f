package dev.jrwkv.train;

import dev.jrwkv.tokenizer.ByteTokenizer;
import dev.jrwkv.tokenizer.Tokenizer;
import dev.jrwkv.tokenizer.WorldTokenizer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link TokenCorpus}: mapped bytes train exactly as bytes in memory; the World token cache equals a whole-text encode. */
class TokenCorpusTest {
    @TempDir
    Path dir;

    /** Bytes 1..256 as single tokens, plus multi-byte ones: long runs, newlines, whole and partial UTF-8 characters. */
    static WorldTokenizer syntheticWorld() {
        List<byte[]> tokens = new ArrayList<>();
        tokens.add(null);
        for (int b = 0; b < 256; b++) tokens.add(new byte[] {(byte) b});
        for (String s : List.of("ab", "abc", "abcdefghij", "abcdefghijklmnop", "\n\n", "\n\n\n", "e\n", "\ne", " the",
                " the quick brown fox", "é", "ét", "日本", "日本語", "🙂", "🙂🙂", "  ", "    ", "        ")) {
            tokens.add(s.getBytes(StandardCharsets.UTF_8));
        }
        tokens.add(new byte[] {(byte) 0xE6, (byte) 0x97});          // the first two bytes of 日
        return WorldTokenizer.of("world(synthetic)", tokens.toArray(byte[][]::new));
    }

    /** Long lines and short ones, multi-byte characters, runs of newlines and spaces. */
    static String mixedText(int pieces, long seed) {
        String[] parts = {"ab", "abc", "abcdefghijklmnop", "abcdefghijklmnopq", "\n", "\n\n\n\n", "e", "é", "ét", "日本語", "日本",
                "日", "🙂", " the quick brown fox", " the", "        ", "   ", "x", "Zürich", "\r\n"};
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            if (r.nextInt(50) == 0) sb.append("long line ".repeat(60));        // 600 bytes without a newline
            sb.append(parts[r.nextInt(parts.length)]);
        }
        return sb.toString();
    }

    private static int[] all(TokenCorpus c) {
        int[] ids = new int[Math.toIntExact(c.size())];
        c.read(0, ids, 0, ids.length);
        return ids;
    }

    @Test
    void mappedBytesTrainExactlyAsBytesInMemory() throws IOException {
        byte[] data = new byte[7_001];
        new Random(5).nextBytes(data);
        for (int i = 0; i < data.length; i += 3) data[i] = (byte) ('a' + i % 26);
        Path file = Files.write(dir.resolve("corpus.bin"), data);
        TrainConfig cfg = TrainerTest.small(5).withValidation(0.15, 2, 2);
        for (TrainMode mode : List.of(TrainMode.full(), TrainMode.full().withCarryState(true))) {
            List<StepMetrics> inMemory = new ArrayList<>(), mapped = new ArrayList<>();
            Parameters a, b;
            try (Trainer t = new Trainer(cfg, Trainer.bytes(data), null, mode)) {
                t.train(inMemory::add);
                a = t.parameters();
            }
            try (TokenCorpus corpus = TokenCorpus.mapBytes(file); Trainer t = new Trainer(cfg, corpus, null, mode)) {
                assertThat(corpus.size()).isEqualTo(data.length);
                t.train(mapped::add);
                b = t.parameters();
            }
            for (int s = 0; s < inMemory.size(); s++) {
                assertThat(mapped.get(s).trainLoss()).as("step %d train", s).isEqualTo(inMemory.get(s).trainLoss());
                assertThat(Double.valueOf(mapped.get(s).valLoss())).as("step %d val", s).isEqualTo(Double.valueOf(inMemory.get(s).valLoss()));
            }
            assertThat(inMemory.get(1).valLoss()).isFinite();
            for (Param p : a.list()) assertThat(b.get(p.name()).data()).as(p.name()).containsExactly(p.data());
        }
    }

    @Test
    void mappedBytesReadLikeTheArray() throws IOException {
        byte[] data = new byte[10_000];
        new Random(1).nextBytes(data);
        try (TokenCorpus mapped = TokenCorpus.open(Files.write(dir.resolve("c.bin"), data), new ByteTokenizer(), dir, TokenCorpus.Progress.NONE)) {
            assertThat(mapped.vocabBound()).isEqualTo(256);
            assertThat(all(mapped)).containsExactly(Trainer.bytes(data));
            int[] window = new int[40];
            mapped.read(data.length - 40, window, 0, 40);
            assertThat(window).containsExactly(Arrays.copyOfRange(Trainer.bytes(data), data.length - 40, data.length));
            assertThatThrownBy(() -> mapped.read(data.length - 39, window, 0, 40)).isInstanceOf(IndexOutOfBoundsException.class);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("c.bin");   // bytes need no cache
        }
    }

    /** Chunks of every small size cut tokens, lines and UTF-8 characters; the ids must still be those of the whole text. */
    @Test
    void chunkedTokenizationEqualsWholeText() throws IOException {
        WorldTokenizer world = syntheticWorld();
        byte[] text = mixedText(1_500, 7).getBytes(StandardCharsets.UTF_8);
        Path file = Files.write(dir.resolve("mixed.txt"), text);
        int[] whole = world.encodeBytes(text);
        assertThat(whole.length).isLessThan(text.length);                      // the long tokens are used
        for (int chunk : new int[] {1, 2, 5, 17, 63, 1000, 1 << 20}) {
            try (TokenCorpus c = TokenCache.open(file, world, dir.resolve("cache" + chunk), TokenCorpus.Progress.NONE, chunk)) {
                assertThat(all(c)).as("chunk %d", chunk).containsExactly(whole);
                assertThat(c.vocabBound()).isEqualTo(world.vocabSize());
            }
        }
    }

    @Test
    void chunkedTokenizationWithTheRealWorldVocabulary() throws IOException {
        WorldTokenizer world = WorldTokenizer.load(fixture("tokenizers/rwkv_vocab_v20230424.txt"));
        String sample = "User: 你好，世界！Ünïcödé 🙂🙂 résumé\n\n\nAssistant: def f(x):\n        return x  # ok\r\n"
                + "The quick brown fox ".repeat(200) + "日本語のテキスト。".repeat(50) + "\n";
        byte[] text = (sample + mixedText(1_000, 3)).getBytes(StandardCharsets.UTF_8);
        Path file = Files.write(dir.resolve("world.txt"), text);
        int[] whole = world.encodeBytes(text);
        for (int chunk : new int[] {3, 97, 4096}) {
            try (TokenCorpus c = TokenCache.open(file, world, dir.resolve("cache" + chunk), TokenCorpus.Progress.NONE, chunk)) {
                assertThat(all(c)).as("chunk %d", chunk).containsExactly(whole);
            }
        }
        try (Stream<Path> files = Files.list(dir.resolve("cache97"))) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).singleElement().asString().matches("tokens-[0-9a-f]{16}\\.u16");
        }
    }

    @Test
    void theCacheIsReusedWhileTheSourceStaysTheSameAndRebuiltOtherwise() throws IOException {
        WorldTokenizer world = syntheticWorld();
        Path file = Files.writeString(dir.resolve("text.txt"), mixedText(600, 1));
        Path cacheDir = dir.resolve("out");
        AtomicInteger passes = new AtomicInteger();
        TokenCorpus.Progress counting = (done, total) -> {
            if (done == total) passes.incrementAndGet();
        };
        open(file, world, cacheDir, counting);
        assertThat(passes).hasValue(1);
        Path cache;
        try (Stream<Path> files = Files.list(cacheDir)) {
            cache = files.toList().getFirst();
        }
        FileTime written = Files.getLastModifiedTime(cache);

        open(file, world, cacheDir, counting);                                   // unchanged: reused
        assertThat(passes).hasValue(1);
        assertThat(Files.getLastModifiedTime(cache)).isEqualTo(written);

        Files.writeString(file, "appended 日本語\n", java.nio.file.StandardOpenOption.APPEND);
        open(file, world, cacheDir, counting);                                   // grown: rebuilt
        assertThat(passes).hasValue(2);

        byte[] same = Files.readAllBytes(file);                                  // same size and time, other bytes
        FileTime time = Files.getLastModifiedTime(file);
        same[10] ^= 1;
        Files.write(file, same);
        Files.setLastModifiedTime(file, time);
        open(file, world, cacheDir, counting);
        assertThat(passes).hasValue(3);

        byte[] bytes = Files.readAllBytes(cache);                                // corrupt: bad magic, then truncated
        bytes[0] = 'X';
        Files.write(cache, bytes);
        open(file, world, cacheDir, counting);
        assertThat(passes).hasValue(4);
        Files.write(cache, Arrays.copyOf(Files.readAllBytes(cache), (int) Files.size(cache) - 3));
        open(file, world, cacheDir, counting);
        assertThat(passes).hasValue(5);
        open(file, world, cacheDir, counting);
        assertThat(passes).hasValue(5);

        byte[][] singles = new byte[257][];
        for (int b = 0; b < 256; b++) singles[b + 1] = new byte[] {(byte) b};
        open(file, WorldTokenizer.of("world(bytes)", singles), cacheDir, counting);   // another vocabulary: its own cache
        assertThat(passes).hasValue(6);
        try (Stream<Path> files = Files.list(cacheDir)) {
            assertThat(files.filter(p -> p.getFileName().toString().startsWith("tokens-"))).hasSize(2);
        }
    }

    /** Opens through the public entry with a small chunk, and checks the ids against a whole-text encode. */
    private static void open(Path file, Tokenizer t, Path cacheDir, TokenCorpus.Progress progress) throws IOException {
        try (TokenCorpus c = TokenCache.open(file, t, cacheDir, progress, 100)) {
            assertThat(all(c)).containsExactly(t.encodeBytes(Files.readAllBytes(file)));
        }
    }

    /** A sparse file past 2^31 bytes: mapped, not read; windows near its end come back; the heap does not grow with it. */
    @Test
    void aCorpusOfSeveralGiBIsMappedNotRead() throws IOException {
        Path file = dir.resolve("huge.txt");
        long size = (3L << 30) + 12_345;
        byte[] head = "the start of a very long text\n".getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "and the end of it, far past 2^31 bytes\n".getBytes(StandardCharsets.US_ASCII);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
            raf.write(head);
            raf.seek(size - tail.length);
            raf.write(tail);
        }
        long before = usedHeap();
        TrainConfig cfg = TrainerTest.small(2).withValidation(0.1, 1, 1);
        try (TokenCorpus corpus = TokenCorpus.mapBytes(file); Trainer t = new Trainer(cfg, corpus, null, TrainMode.full())) {
            assertThat(corpus.size()).isEqualTo(size);
            int[] window = new int[tail.length];
            corpus.read(size - tail.length, window, 0, tail.length);
            assertThat(window).containsExactly(Trainer.bytes(tail));
            corpus.read(0, window, 0, head.length);
            assertThat(Arrays.copyOf(window, head.length)).containsExactly(Trainer.bytes(head));
            List<StepMetrics> steps = new ArrayList<>();
            t.train(steps::add);                                   // random windows over 2.9 GiB, validation at the end
            assertThat(steps).hasSize(2);
            assertThat(steps.getLast().valLoss()).isFinite();
            assertThat(usedHeap() - before).as("heap growth").isLessThan(64L << 20);
        }
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void badCorporaAreClearErrors() throws IOException {
        assertThatThrownBy(() -> TokenCorpus.mapBytes(dir.resolve("nope.txt")))
                .isInstanceOf(CorpusException.class).hasMessageContaining("nope.txt").hasMessageContaining("no such file");
        assertThatThrownBy(() -> TokenCorpus.mapBytes(dir)).isInstanceOf(CorpusException.class).hasMessageContaining("folder");
        Path empty = Files.createFile(dir.resolve("empty.txt"));
        assertThatThrownBy(() -> TokenCorpus.mapBytes(empty)).isInstanceOf(CorpusException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> TokenCorpus.open(empty, syntheticWorld(), dir, TokenCorpus.Progress.NONE))
                .isInstanceOf(CorpusException.class).hasMessageContaining("empty.txt").hasMessageContaining("empty");
        assertThatThrownBy(() -> TokenCorpus.open(dir.resolve("gone.txt"), syntheticWorld(), dir, TokenCorpus.Progress.NONE))
                .isInstanceOf(CorpusException.class).hasMessageContaining("gone.txt");

        Path text = Files.writeString(dir.resolve("t.txt"), "x".repeat(400));
        Tokenizer regexLike = new Tokenizer() {
            public int[] encode(String s) { return new int[0]; }
            public byte[] decodeBytes(int[] ids) { return new byte[0]; }
            public byte[] tokenBytes(int id) { return new byte[0]; }
            public int vocabSize() { return 10; }
            public String name() { return "bpe(test)"; }
        };
        assertThatThrownBy(() -> TokenCorpus.open(text, regexLike, dir, TokenCorpus.Progress.NONE))
                .isInstanceOf(CorpusException.class).hasMessageContaining("bpe(test)").hasMessageContaining("greedy longest-match");

        try (TokenCorpus c = TokenCorpus.mapBytes(text)) {                      // 400 tokens: 360 to train, 40 to validate
            assertThatThrownBy(() -> new Trainer(TrainerTest.small(1).withValidation(0.05, 1, 1), c, null, TrainMode.full()))
                    .isInstanceOf(CorpusException.class).hasMessageContaining("validation part has 20 tokens, need at least ctx + 1 = 33");
            assertThatThrownBy(() -> new Trainer(TrainerTest.small(1).withValidation(0.95, 1, 1), c, null, TrainMode.full()))
                    .isInstanceOf(CorpusException.class).hasMessageContaining("training data has 20 tokens");
        }
        try (TokenCorpus c = TokenCorpus.mapBytes(Files.writeString(dir.resolve("short.txt"), "x".repeat(120)))) {   // 4 sequences of 30
            assertThatThrownBy(() -> new Trainer(TrainerTest.small(1).withValidation(0, 0, 1), c, null, TrainMode.full().withCarryState(true)))
                    .isInstanceOf(CorpusException.class).hasMessageContaining("carrying the state gives each of the 4 sequences 30 tokens");
        }
        assertThatThrownBy(() -> new Trainer(TrainerTest.small(1), new int[] {300, 1, 2}, null, TrainMode.full()))
                .isInstanceOf(CorpusException.class).hasMessageContaining("up to 300").hasMessageContaining("vocabulary of 256");
    }

    private static Path fixture(String relative) {
        Path f = Path.of(System.getProperty("jrwkv.fixtures", "../../shared/fixtures")).resolve(relative);
        if (!Files.exists(f)) {
            String msg = "fixture " + f + " is absent (set -Djrwkv.fixtures=DIR)";
            if (Boolean.getBoolean("jrwkv.requireFixtures")) fail(msg);
            Assumptions.abort(msg);
        }
        return f;
    }
}
