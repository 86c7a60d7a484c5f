package dev.jrwkv.tokenizer;

/**
 * The tokenizer of byte-level models (e.g. rwkv.cpp's tiny test models): token id = byte value,
 * vocabulary 256. Any byte string encodes; text is encoded as its UTF-8 bytes.
 *
 * <pre>{@code
 * Tokenizer t = new ByteTokenizer();
 * t.encode("\"in");                  // [34, 105, 110]
 * t.decode(new int[] {104, 105});    // "hi"
 * }</pre>
 */
public final class ByteTokenizer implements Tokenizer {
    public static final int VOCAB_SIZE = 256;

    @Override
    public int[] encode(String text) {
        return encodeBytes(Utf8.encodeStrict(text));
    }

    @Override
    public int[] encodeBytes(byte[] bytes) {
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) ids[i] = bytes[i] & 0xFF;
        return ids;
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        byte[] out = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = checked(ids[i], " at position " + i);
        return out;
    }

    @Override
    public byte[] tokenBytes(int id) {
        return new byte[] {checked(id, "")};
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public String name() {
        return "bytes";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ByteTokenizer;
    }

    @Override
    public int hashCode() {
        return ByteTokenizer.class.hashCode();
    }

    @Override
    public String toString() {
        return name();
    }

    private static byte checked(int id, String where) {
        if (id < 0 || id >= VOCAB_SIZE) {
            throw new TokenizerException("bytes: token id " + id + where + " is out of range 0..255");
        }
        return (byte) id;
    }
}
