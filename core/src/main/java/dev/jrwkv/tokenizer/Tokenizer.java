package dev.jrwkv.tokenizer;

/**
 * Turns text into token ids and back. Implementations are immutable and safe to share between
 * threads.
 *
 * <p>Tokens are byte strings: one token may hold part of a UTF-8 character, so a stream of
 * decoded text must be assembled from {@link #decodeBytes} (or {@link #tokenBytes}) and turned
 * into characters only once a character is complete.
 *
 * <pre>{@code
 * Tokenizer t = WorldTokenizer.load(Path.of("rwkv_vocab_v20230424.txt"));
 * int[] ids = t.encode("Hello world");   // [33155, 40213]
 * String back = t.decode(ids);            // "Hello world"
 * }</pre>
 */
public interface Tokenizer {

    /** The token ids of {@code text}. Throws {@link TokenizerException} if the text holds an unpaired surrogate. */
    int[] encode(String text);

    /**
     * The token ids of a byte string. Byte-level vocabularies ({@link WorldTokenizer},
     * {@link ByteTokenizer}) accept any bytes; the default decodes strict UTF-8 and calls
     * {@link #encode(String)}, throwing {@link TokenizerException} on bytes that are not UTF-8.
     */
    default int[] encodeBytes(byte[] bytes) {
        return encode(Utf8.decodeStrict(bytes));
    }

    /** The concatenated bytes of the tokens; throws {@link TokenizerException} for an id this tokenizer does not know. */
    byte[] decodeBytes(int[] ids);

    /** The text of the tokens: {@link #decodeBytes} read as UTF-8, each malformed sequence replaced by U+FFFD. */
    default String decode(int[] ids) {
        return Utf8.decodeLossy(decodeBytes(ids));
    }

    /** The bytes of one token; throws {@link TokenizerException} for an unknown id. */
    byte[] tokenBytes(int id);

    /** One more than the highest token id: the number of rows a model's embedding needs at least. */
    int vocabSize();

    /** A short description of this tokenizer, e.g. {@code world(rwkv_vocab_v20230424.txt)}. */
    String name();
}
