package dev.jrwkv.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Parses one Python string literal as Python's {@code repr()} writes them: {@code 'text'},
 * {@code "text"} (a {@code str}, whose UTF-8 encoding is returned) or {@code b'...'} (a
 * {@code bytes}, returned as is), with Python's escapes: {@code \\ \' \" \a \b \f \n \r \t \v},
 * octal {@code \ooo}, {@code \xhh}, and in {@code str} only {@code \}{@code uXXXX},
 * {@code \}{@code UXXXXXXXX} and {@code \N{NAME}}.
 * Unknown escapes keep their backslash, as Python does.
 */
final class PythonLiteral {
    private final String src;
    private int pos;

    private PythonLiteral(String src) {
        this.src = src;
    }

    /** The bytes the literal denotes; throws {@link IllegalArgumentException} saying what is wrong. */
    static byte[] parse(String literal) {
        return new PythonLiteral(literal).parse();
    }

    private byte[] parse() {
        boolean bytes = false;
        if (pos < src.length() && (src.charAt(pos) == 'b' || src.charAt(pos) == 'B')) {
            bytes = true;
            pos++;
        } else if (pos < src.length() && (src.charAt(pos) == 'u' || src.charAt(pos) == 'U')) {
            pos++;
        }
        if (pos >= src.length() || (src.charAt(pos) != '\'' && src.charAt(pos) != '"')) {
            throw new IllegalArgumentException("not a Python string literal (expected b'...', '...' or \"...\"): " + abbreviate(src));
        }
        char quote = src.charAt(pos++);
        if (src.startsWith(String.valueOf(quote).repeat(2), pos) && pos + 2 < src.length()) {
            throw new IllegalArgumentException("triple-quoted literals are not supported: " + abbreviate(src));
        }
        ByteArrayOutputStream bytesOut = new ByteArrayOutputStream();
        StringBuilder textOut = new StringBuilder();
        while (true) {
            if (pos >= src.length()) throw new IllegalArgumentException("literal has no closing " + quote + ": " + abbreviate(src));
            char c = src.charAt(pos++);
            if (c == quote) break;
            if (c != '\\') {
                if (bytes && c > 0x7F) {
                    throw new IllegalArgumentException(String.format(
                            "bytes literal holds the non-ASCII character U+%04X at %d (must be escaped): %s", (int) c, pos - 1, abbreviate(src)));
                }
                if (bytes) bytesOut.write(c);
                else textOut.append(c);
                continue;
            }
            int value = escape(bytes);
            if (bytes) {
                bytesOut.write(value);
            } else {
                if (value >= 0xD800 && value <= 0xDFFF) {
                    throw new IllegalArgumentException(String.format(
                            "str literal holds the surrogate U+%04X, which has no UTF-8 encoding: %s", value, abbreviate(src)));
                }
                textOut.appendCodePoint(value);
            }
        }
        if (pos != src.length()) {
            throw new IllegalArgumentException("unexpected text after the closing quote: " + abbreviate(src));
        }
        if (bytes) return bytesOut.toByteArray();
        return textOut.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Reads the escape after a backslash; returns a byte (bytes) or a code point (str); -1 never. */
    private int escape(boolean bytes) {
        if (pos >= src.length()) throw new IllegalArgumentException("literal ends in a backslash: " + abbreviate(src));
        char c = src.charAt(pos++);
        switch (c) {
            case '\\': return '\\';
            case '\'': return '\'';
            case '"': return '"';
            case 'a': return 7;
            case 'b': return 8;
            case 'f': return 12;
            case 'n': return '\n';
            case 'r': return '\r';
            case 't': return '\t';
            case 'v': return 11;
            case 'x': return hex(2);
            default:
        }
        if (c >= '0' && c <= '7') {
            int v = c - '0';
            for (int n = 1; n < 3 && pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '7'; n++) {
                v = v * 8 + (src.charAt(pos++) - '0');
            }
            if (bytes && v > 0xFF) throw new IllegalArgumentException("octal escape \\" + Integer.toOctalString(v) + " is above 0o377 in a bytes literal: " + abbreviate(src));
            return v;
        }
        if (!bytes && c == 'u') return hex(4);
        if (!bytes && c == 'U') {
            int v = hex(8);
            if (v < 0 || v > Character.MAX_CODE_POINT) throw new IllegalArgumentException("\\U escape is above U+10FFFF: " + abbreviate(src));
            return v;
        }
        if (!bytes && c == 'N') return namedCharacter();
        // Python keeps the backslash of an unknown escape (with a warning): "\q" is two characters.
        pos--;
        return '\\';
    }

    private int hex(int digits) {
        if (pos + digits > src.length()) throw new IllegalArgumentException("truncated \\x/\\u/\\U escape: " + abbreviate(src));
        int v = 0;
        for (int i = 0; i < digits; i++) {
            int d = Character.digit(src.charAt(pos + i), 16);
            if (d < 0) throw new IllegalArgumentException("bad hex digit '" + src.charAt(pos + i) + "' in an escape: " + abbreviate(src));
            v = v * 16 + d;
        }
        pos += digits;
        return v;
    }

    private int namedCharacter() {
        int close = src.indexOf('}', pos);
        if (pos >= src.length() || src.charAt(pos) != '{' || close < 0) {
            throw new IllegalArgumentException("malformed \\N{...} escape: " + abbreviate(src));
        }
        String name = src.substring(pos + 1, close);
        pos = close + 1;
        try {
            return Character.codePointOf(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown character name \\N{" + name + "}: " + abbreviate(src));
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
