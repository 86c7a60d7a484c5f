package dev.jrwkv.tokenizer;

import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level alphabet, used by Hugging Face's {@code ByteLevel} pre-tokenizer and decoder:
 * every byte is shown as one printable character (printable Latin-1 bytes as themselves, the
 * others as U+0100 upwards, so a space is {@code Ġ} U+0120), and the regex that splits text into
 * words before BPE.
 */
final class ByteLevel {
    /**
     * GPT-2's split: contractions, letters, numbers, other symbols (each optionally after one
     * space), and whitespace runs that leave their last space to the following word.
     * UNICODE_CHARACTER_CLASS makes {@code \s} the Unicode White_Space set, as in Oniguruma.
     */
    static final Pattern SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The character that stands for byte {@code b} (0..255). */
    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte that character {@code c} stands for, or -1 when {@code c} is not in the alphabet. */
    static int byteOf(int c) {
        return c >= 0 && c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** {@code bytes} written in the byte-level alphabet. */
    static String toAlphabet(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(chars);
    }

    /**
     * The bytes a token string stands for. As Hugging Face's ByteLevel decoder does, a token with
     * any character outside the alphabet is taken as plain text (its UTF-8 bytes).
     */
    static byte[] fromAlphabet(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            int b = byteOf(token.charAt(i));
            if (b < 0) return Utf8.encodeStrict(token);
            out[i] = (byte) b;
        }
        return out;
    }
}
