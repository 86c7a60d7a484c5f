package dev.jrwkv.train;

import dev.jrwkv.tokenizer.ByteTokenizer;
import dev.jrwkv.tokenizer.Tokenizer;

import java.nio.file.Path;

/**
 * The token ids a {@link Trainer} reads its windows from: held in memory ({@link #of}), or
 * memory-mapped from a file ({@link #mapBytes}, {@link #open}) so that a corpus of any size (beyond
 * 2 GiB too) costs no heap. Offsets are longs. Reads are deterministic: the same offset gives the
 * same ids however the corpus is held, so training on a mapped file equals training on its bytes in
 * memory, bit for bit.
 *
 * <pre>{@code
 * try (TokenCorpus corpus = TokenCorpus.open(Path.of("input.txt"), WorldTokenizer.load(vocab), Path.of("run"), TokenCorpus.Progress.NONE);
 *      Trainer trainer = new Trainer(cfg, corpus, null, TrainMode.full())) {
 *     trainer.train(log);
 * }
 * }</pre>
 */
public sealed interface TokenCorpus extends AutoCloseable permits ArrayCorpus, MappedCorpus {

    /** Number of tokens. */
    long size();

    /** One more than the highest id this corpus may hold: a model needs at least this many embedding rows. */
    int vocabBound();

    /** Copies the {@code n} ids from {@code from} into {@code dst[at..at+n)}. */
    void read(long from, int[] dst, int at, int n);

    /** Unmaps a mapped corpus (its reads fail afterwards); nothing for one in memory. */
    @Override
    void close();

    /** Ids in memory (the array is not copied; do not change it while training). */
    static TokenCorpus of(int[] tokens) {
        return new ArrayCorpus(tokens);
    }

    /** A file's bytes as ids 0..255, memory-mapped, not read. */
    static TokenCorpus mapBytes(Path file) {
        return MappedCorpus.bytes(file);
    }

    /**
     * The ids of a text file under {@code tokenizer}: bytes are mapped as they are; other
     * tokenizers tokenize the file once, streaming it, into a token cache in {@code cacheDir}
     * ({@code tokens-<hash>.u16} or {@code .u32}) that is mapped and reused as long as the file and
     * the vocabulary stay the same (a stale or corrupt cache is rebuilt). Greedy longest-match
     * tokenizers only (byte, World): only they tokenize a text cut into chunks exactly as whole.
     *
     * @throws CorpusException when the file is missing, unreadable or empty, or the tokenizer cannot stream
     */
    static TokenCorpus open(Path file, Tokenizer tokenizer, Path cacheDir, Progress progress) {
        if (tokenizer instanceof ByteTokenizer) return mapBytes(file);
        return TokenCache.open(file, tokenizer, cacheDir, progress, TokenCache.CHUNK_BYTES);
    }

    /** Hears how far the tokenization pass of {@link #open} has come; not called when a cache is reused. */
    @FunctionalInterface
    interface Progress {
        Progress NONE = (done, total) -> { };

        void tokenized(long bytesDone, long bytesTotal);
    }
}
