package dev.jrwkv.tokenizer;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** UTF-8 conversions with the error handling tokenizers need: strict on input, lossy on output. */
final class Utf8 {
    private Utf8() {
    }

    /** The UTF-8 bytes of {@code text}; an unpaired surrogate (not encodable) is an error, not a silent '?'. */
    static byte[] encodeStrict(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new TokenizerException(String.format(
                        "text holds an unpaired surrogate U+%04X at index %d; it has no UTF-8 encoding", (int) c, i));
            }
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code bytes} read as UTF-8; malformed input is an error naming the offset. */
    static String decodeStrict(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new TokenizerException("bytes are not valid UTF-8 (" + e.getMessage()
                    + "); this tokenizer works on text, use a byte-level tokenizer for arbitrary bytes", e);
        }
    }

    /** {@code bytes} read as UTF-8 with each malformed sequence replaced by U+FFFD. */
    static String decodeLossy(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
