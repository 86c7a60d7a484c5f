package dev.jrwkv.train;

import dev.jrwkv.format.AtomicFile;
import dev.jrwkv.tokenizer.Tokenizer;
import dev.jrwkv.tokenizer.TokenizerException;
import dev.jrwkv.tokenizer.WorldTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * The token ids of a text file under a greedy longest-match tokenizer, written once to
 * {@code DIR/tokens-<hash>.u16} (or {@code .u32} past 65536 ids) and mapped from there.
 *
 * <p>File layout, little-endian: a header of {@value #HEADER} bytes ({@code JRWKVTOK}, version,
 * bytes per id, vocabulary size, a fingerprint of the vocabulary, and the source's size, modification
 * time and a hash of its first and last 64 KiB), the ids, then a trailer of {@value #TRAILER} bytes
 * (the id count, {@code JRWKVEND}). The file is written atomically (temporary file, then rename), so
 * a cache whose header and trailer agree is complete.
 *
 * <p>The text is read in chunks of bounded size. A chunk boundary could cut a token: a greedy
 * longest match at byte p reads at most the longest token's length L of bytes, so every token that
 * starts at least L bytes before the end of the buffer is what the whole text gives there; the rest
 * of the buffer (fewer than L bytes) is carried over to the front of the next chunk.
 */
final class TokenCache {
    static final int CHUNK_BYTES = 4 << 20;
    static final int HEADER = 56, TRAILER = 16;
    private static final byte[] MAGIC = "JRWKVTOK".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "JRWKVEND".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int SAMPLE = 64 << 10;
    private static final System.Logger LOG = System.getLogger(TokenCache.class.getName());

    private TokenCache() {
    }

    /** What the cache must say about its source and vocabulary to be reused. */
    private record Key(int width, int vocab, long vocabHash, long sourceSize, long sourceTime, long sourceHash) {
        void writeTo(ByteBuffer b) {
            b.put(MAGIC).putInt(VERSION).putInt(width).putInt(vocab).putInt(0)
                    .putLong(vocabHash).putLong(sourceSize).putLong(sourceTime).putLong(sourceHash);
        }
    }

    /** The vocabulary as the chunked pass needs it: each id's byte length, the longest, and a fingerprint. */
    private record Vocabulary(int[] lengths, int longest, long hash) {
        static Vocabulary of(Tokenizer t) {
            MessageDigest sha = sha256();
            int[] lengths = new int[t.vocabSize()];
            int longest = 0;
            for (int id = 0; id < lengths.length; id++) {
                byte[] b;
                try {
                    b = t.tokenBytes(id);
                } catch (TokenizerException e) {
                    continue;                          // a gap in the ids
                }
                lengths[id] = b.length;
                longest = Math.max(longest, b.length);
                sha.update(ByteBuffer.allocate(8).putInt(id).putInt(b.length).array());
                sha.update(b);
            }
            return new Vocabulary(lengths, Math.max(1, longest), ByteBuffer.wrap(sha.digest()).getLong());
        }
    }

    static TokenCorpus open(Path source, Tokenizer tokenizer, Path cacheDir, TokenCorpus.Progress progress, int chunkBytes) {
        if (!(tokenizer instanceof WorldTokenizer)) {
            throw new CorpusException(source, "cannot tokenize the corpus in chunks with " + tokenizer.name()
                    + ": streaming needs a greedy longest-match tokenizer (byte or World)");
        }
        long size = MappedCorpus.checkedSize(source);
        if (size == 0) throw new CorpusException(source, "the corpus is empty");
        Vocabulary vocab = Vocabulary.of(tokenizer);
        int width = tokenizer.vocabSize() <= 65536 ? 2 : 4;
        try {
            Key key = keyOf(source, width, tokenizer.vocabSize(), vocab.hash());
            String name = "tokens-" + HexFormat.of().toHexDigits(nameHash(source, vocab.hash())) + (width == 2 ? ".u16" : ".u32");
            Path cache = cacheDir.resolve(name);
            long count = validCount(cache, key);
            if (count < 0) {
                count = build(source, tokenizer, vocab, key, cache, progress, chunkBytes);
                if (!keyOf(source, width, tokenizer.vocabSize(), vocab.hash()).equals(key)) {
                    throw new CorpusException(source, "the corpus changed while it was being tokenized");
                }
            }
            return MappedCorpus.map(cache, HEADER, count, width, tokenizer.vocabSize());
        } catch (IOException e) {
            throw new CorpusException(source, "cannot tokenize the corpus into " + cacheDir + ": " + e, e);
        }
    }

    /** The id count of a cache that is complete and made from this source and vocabulary; -1 when it must be (re)built. */
    private static long validCount(Path cache, Key key) throws IOException {
        if (!Files.isRegularFile(cache)) return -1;
        try (FileChannel ch = FileChannel.open(cache, StandardOpenOption.READ)) {
            long size = ch.size();
            String problem;
            if (size < HEADER + TRAILER) {
                problem = "shorter than its header";
            } else {
                ByteBuffer head = read(ch, 0, HEADER), tail = read(ch, size - TRAILER, TRAILER);
                ByteBuffer expected = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
                key.writeTo(expected);
                long count = tail.getLong();
                byte[] end = new byte[8];
                tail.get(end);
                if (!java.util.Arrays.equals(end, END) || count < 0 || HEADER + count * key.width() + TRAILER != size) {
                    problem = "corrupt: its trailer does not match its size";
                } else if (!head.equals(expected.flip())) {
                    problem = "stale: made from another version of the corpus or another vocabulary";
                } else {
                    return count;
                }
            }
            LOG.log(System.Logger.Level.INFO, "token cache {0} is {1}: rebuilding it", cache, problem);
            return -1;
        }
    }

    private static long build(Path source, Tokenizer tokenizer, Vocabulary vocab, Key key, Path cache,
                              TokenCorpus.Progress progress, int chunkBytes) throws IOException {
        long[] count = {0};
        AtomicFile.write(cache, out -> {
            ByteBuffer head = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            key.writeTo(head);
            out.write(head.array());
            count[0] = tokenize(source, tokenizer, vocab, key.width(), out, progress, chunkBytes);
            ByteBuffer tail = ByteBuffer.allocate(TRAILER).order(ByteOrder.LITTLE_ENDIAN).putLong(count[0]).put(END);
            out.write(tail.array());
        });
        return count[0];
    }

    /** The chunked pass: writes the ids, returns their count. Memory: one buffer of chunkBytes + L, and its ids. */
    private static long tokenize(Path source, Tokenizer tokenizer, Vocabulary vocab, int width, OutputStream out,
                                 TokenCorpus.Progress progress, int chunkBytes) throws IOException {
        int L = vocab.longest();
        byte[] buf = new byte[chunkBytes + L];
        long total = Files.size(source), done = 0, count = 0;
        int have = 0;                                  // bytes carried over from the previous chunk
        try (InputStream in = Files.newInputStream(source)) {
            boolean eof = false;
            while (!eof) {
                int n = in.readNBytes(buf, have, buf.length - have);
                eof = have + n < buf.length;
                have += n;
                int[] ids = tokenizer.encodeBytes(java.util.Arrays.copyOf(buf, have));
                byte[] encoded = new byte[ids.length * width];
                int kept = 0, at = 0;
                for (int id : ids) {
                    if (!eof && at + L > have) break;      // this token might run on into the next chunk
                    if (width == 2) {
                        encoded[2 * kept] = (byte) id;
                        encoded[2 * kept + 1] = (byte) (id >>> 8);
                    } else {
                        for (int k = 0; k < 4; k++) encoded[4 * kept + k] = (byte) (id >>> (8 * k));
                    }
                    kept++;
                    at += vocab.lengths()[id];
                }
                out.write(encoded, 0, kept * width);
                count += kept;
                done += at;
                System.arraycopy(buf, at, buf, 0, have - at);
                have -= at;
                progress.tokenized(done, total);
            }
        }
        return count;
    }

    private static Key keyOf(Path source, int width, int vocab, long vocabHash) throws IOException {
        long size = Files.size(source);
        long time = Files.getLastModifiedTime(source).to(TimeUnit.MICROSECONDS);
        MessageDigest sha = sha256();
        sha.update(ByteBuffer.allocate(8).putLong(size).array());
        try (FileChannel ch = FileChannel.open(source, StandardOpenOption.READ)) {
            sha.update(read(ch, 0, (int) Math.min(SAMPLE, size)));
            sha.update(read(ch, Math.max(0, size - SAMPLE), (int) Math.min(SAMPLE, size)));
        }
        return new Key(width, vocab, vocabHash, size, time, ByteBuffer.wrap(sha.digest()).getLong());
    }

    /** Names the cache after the source's path and the vocabulary: another corpus or vocabulary in the same folder gets its own. */
    private static long nameHash(Path source, long vocabHash) throws IOException {
        MessageDigest sha = sha256();
        sha.update(source.toRealPath().toString().getBytes(StandardCharsets.UTF_8));
        sha.update(ByteBuffer.allocate(8).putLong(vocabHash).array());
        return ByteBuffer.wrap(sha.digest()).getLong();
    }

    private static ByteBuffer read(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) throw new IOException("unexpected end of " + ch);
        }
        return b.flip();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
