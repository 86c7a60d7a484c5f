package dev.jrwkv.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The RWKV "World" tokenizer: greedy longest match over UTF-8 bytes against the vocabulary
 * {@code rwkv_vocab_v20230424.txt}, exactly as the official {@code TRIE_TOKENIZER}.
 *
 * <p>Vocabulary file: one token per line, {@code <id> <Python str or bytes literal> <byte length>},
 * e.g. {@code 33155 'Hello' 5} or {@code 129 b'\x80' 1}. Id 0 is not in the file: the models use it
 * as end of text, and it decodes to no bytes. Ids 1..256 are the single bytes, so any byte string
 * can be encoded.
 *
 * <pre>{@code
 * WorldTokenizer t = WorldTokenizer.load(Path.of("rwkv_vocab_v20230424.txt"));
 * int[] ids = t.encode("Hello world");        // [33155, 40213]
 * byte[] raw = t.decodeBytes(new int[] {256}); // {(byte) 0xFF}
 * }</pre>
 */
public final class WorldTokenizer implements Tokenizer {
    /** The end-of-text id the World models use; it is not a vocabulary entry and decodes to nothing. */
    public static final int END_OF_TEXT = 0;

    private static final byte[] NO_BYTES = new byte[0];
    /** Highest token id accepted from a file; real vocabularies stay far below, and it bounds the id tables. */
    private static final int MAX_ID = (1 << 22) - 1;

    private final String name;
    private final byte[][] tokens; // index = id; null where the file has no such id
    private final ByteTrie trie;

    private WorldTokenizer(String name, byte[][] tokens, ByteTrie trie) {
        this.name = name;
        this.tokens = tokens;
        this.trie = trie;
    }

    /** Reads a World vocabulary file; throws {@link TokenizerException} naming the line that is wrong. */
    public static WorldTokenizer load(Path file) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TokenizerException(file, "cannot read the vocabulary: " + e, e);
        }
        byte[][] tokens = new byte[65536][];
        int[] lineOfId = new int[65536];
        int maxId = 0;
        int totalBytes = 0;
        String text = decodeStrict(file, content);
        // Real vocabularies number their tokens densely; bounding ids by the line count keeps the id
        // tables proportional to the file (a 20-byte line must not make us allocate 4M entries).
        int lines = 1;
        for (byte b : content) if (b == '\n') lines++;
        int maxAllowedId = (int) Math.min(MAX_ID, Math.max(65535L, 2L * lines));
        int lineNo = 0;
        for (int start = 0; start < text.length(); ) {
            int end = text.indexOf('\n', start);
            if (end < 0) end = text.length();
            lineNo++;
            String line = text.substring(start, end);
            start = end + 1;
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            if (line.isEmpty()) continue;

            int firstSpace = line.indexOf(' ');
            int lastSpace = line.lastIndexOf(' ');
            if (firstSpace <= 0 || lastSpace <= firstSpace) {
                throw lineError(file, lineNo, "expected '<id> <literal> <length>', got " + abbreviate(line));
            }
            int id = parseInt(file, lineNo, "id", line.substring(0, firstSpace));
            int declared = parseInt(file, lineNo, "length", line.substring(lastSpace + 1));
            if (id <= 0 || id > maxAllowedId) {
                throw lineError(file, lineNo, "token id " + id + " is out of range 1.." + maxAllowedId
                        + " (ids above 65535 may not exceed twice the number of lines)");
            }
            byte[] bytes;
            try {
                bytes = PythonLiteral.parse(line.substring(firstSpace + 1, lastSpace));
            } catch (IllegalArgumentException e) {
                throw lineError(file, lineNo, "bad token literal: " + e.getMessage());
            }
            if (bytes.length != declared) {
                throw lineError(file, lineNo, "token " + id + " has " + bytes.length + " bytes but the line declares " + declared);
            }
            if (bytes.length == 0) throw lineError(file, lineNo, "token " + id + " is empty");
            if (id >= tokens.length) {
                tokens = Arrays.copyOf(tokens, Math.max(id + 1, tokens.length * 2));
                lineOfId = Arrays.copyOf(lineOfId, tokens.length);
            }
            if (tokens[id] != null) {
                throw lineError(file, lineNo, "duplicate token id " + id + " (first on line " + lineOfId[id] + ")");
            }
            tokens[id] = bytes;
            lineOfId[id] = lineNo;
            maxId = Math.max(maxId, id);
            totalBytes += bytes.length;
        }
        if (maxId == 0) throw new TokenizerException(file, "the vocabulary has no tokens");

        ByteTrie trie = new ByteTrie(totalBytes);
        for (int id = 1; id <= maxId; id++) {
            if (tokens[id] == null) continue;
            int previous = trie.put(tokens[id], id);
            if (previous != 0) {
                throw lineError(file, lineOfId[id], "token " + id + " has the same bytes as token " + previous
                        + " (line " + lineOfId[previous] + "); the encoding would be ambiguous");
            }
        }
        return new WorldTokenizer("world(" + file.getFileName() + ")", Arrays.copyOf(tokens, maxId + 1), trie);
    }

    /**
     * A World tokenizer over {@code tokens} (index = id; null or empty where there is no token, always
     * at id 0), e.g. the token list embedded in a GGUF file.
     *
     * <pre>{@code
     * WorldTokenizer t = WorldTokenizer.of("world(gguf)", tokens);
     * }</pre>
     */
    public static WorldTokenizer of(String name, byte[][] tokens) {
        if (tokens.length > MAX_ID + 1) throw new TokenizerException(name + ": " + tokens.length + " tokens exceed the limit of " + (MAX_ID + 1));
        byte[][] copy = new byte[tokens.length][];
        int total = 0;
        for (int id = 1; id < tokens.length; id++) {
            if (tokens[id] == null || tokens[id].length == 0) continue;
            copy[id] = tokens[id].clone();
            total += copy[id].length;
        }
        ByteTrie trie = new ByteTrie(total);
        for (int id = 1; id < copy.length; id++) {
            if (copy[id] == null) continue;
            int previous = trie.put(copy[id], id);
            if (previous != 0) throw new TokenizerException(name + ": token " + id + " has the same bytes as token " + previous);
        }
        return new WorldTokenizer(name, copy, trie);
    }

    @Override
    public int[] encode(String text) {
        return encodeBytes(Utf8.encodeStrict(text));
    }

    /** Encodes any byte string, valid UTF-8 or not (single-byte tokens cover every byte). */
    @Override
    public int[] encodeBytes(byte[] bytes) {
        int[] ids = new int[Math.max(16, bytes.length / 3)];
        int n = 0;
        for (int pos = 0; pos < bytes.length; ) {
            int id = trie.longestPrefix(bytes, pos, bytes.length);
            if (id == 0) {
                throw new TokenizerException(String.format(
                        "%s: no token starts with byte 0x%02X (offset %d); the vocabulary lacks single-byte tokens",
                        name, bytes[pos] & 0xFF, pos));
            }
            if (n == ids.length) ids = Arrays.copyOf(ids, n * 2);
            ids[n++] = id;
            pos += tokens[id].length;
        }
        return Arrays.copyOf(ids, n);
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        int total = 0;
        for (int i = 0; i < ids.length; i++) total += bytesOf(ids[i], i).length;
        byte[] out = new byte[total];
        int at = 0;
        for (int i = 0; i < ids.length; i++) {
            byte[] b = bytesOf(ids[i], i);
            System.arraycopy(b, 0, out, at, b.length);
            at += b.length;
        }
        return out;
    }

    /**
     * The bytes of the tokens as text, each malformed UTF-8 sequence replaced by U+FFFD. (The
     * official {@code decode()} instead returns a single U+FFFD for the whole output when any byte
     * is malformed.)
     */
    @Override
    public String decode(int[] ids) {
        return Utf8.decodeLossy(decodeBytes(ids));
    }

    @Override
    public byte[] tokenBytes(int id) {
        return bytesOf(id, -1).clone();
    }

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    @Override
    public String name() {
        return name;
    }

    private byte[] bytesOf(int id, int position) {
        if (id == END_OF_TEXT) return NO_BYTES;
        if (id < 0 || id >= tokens.length || tokens[id] == null) {
            String where = position >= 0 ? " at position " + position : "";
            String problem = id < 0 || id >= tokens.length
                    ? "is out of range 0.." + (tokens.length - 1)
                    : "is not in the vocabulary";
            throw new TokenizerException(name + ": token id " + id + where + " " + problem);
        }
        return tokens[id];
    }

    /** The file as text; malformed UTF-8 is an error naming its line. */
    private static String decodeStrict(Path file, byte[] content) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(content);
        CharBuffer out = CharBuffer.allocate(content.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            int lineNo = 1;
            for (int i = 0; i < in.position(); i++) if (content[i] == '\n') lineNo++;
            throw lineError(file, lineNo, "line is not valid UTF-8 (byte offset " + in.position() + " in the file)");
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    private static int parseInt(Path file, int lineNo, String field, String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw lineError(file, lineNo, "bad " + field + " '" + abbreviate(s) + "' (expected a decimal integer)");
        }
    }

    private static TokenizerException lineError(Path file, int lineNo, String problem) {
        return new TokenizerException(file + ":" + lineNo + ": " + problem);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
