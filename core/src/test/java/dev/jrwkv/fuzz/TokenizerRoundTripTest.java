package dev.jrwkv.fuzz;

import dev.jrwkv.Fixtures;
import dev.jrwkv.tokenizer.BpeTokenizer;
import dev.jrwkv.tokenizer.Tokenizer;
import dev.jrwkv.tokenizer.WorldTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties: {@code decode(encode(x)) == x} for arbitrary Unicode strings (World; NeoX compares NFC
 * forms, since its normalizer is NFC) and {@code decodeBytes(encodeBytes(b)) == b} for arbitrary
 * byte strings (World). Checked on the real vocabularies (fixtures) and on the small generated ones.
 */
class TokenizerRoundTripTest {
    private static final int CASES = 400;

    @Test
    void worldFixtureTextAndBytes() {
        WorldTokenizer t = WorldTokenizer.load(Fixtures.file("tokenizers/rwkv_vocab_v20230424.txt"));
        textRoundTrip(t, false, new Random(1));
        bytesRoundTrip(t, new Random(2));
    }

    @Test
    void worldGeneratedTextAndBytes(@TempDir Path dir) throws Exception {
        Path p = Files.writeString(dir.resolve("vocab.txt"), Seeds.smallWorldVocabulary());
        WorldTokenizer t = WorldTokenizer.load(p);
        textRoundTrip(t, false, new Random(3));
        bytesRoundTrip(t, new Random(4));
    }

    @Test
    void neoxFixtureText() {
        BpeTokenizer t = BpeTokenizer.load(Fixtures.file("tokenizers/20B_tokenizer.json"));
        textRoundTrip(t, true, new Random(5));
    }

    @Test
    void bpeGeneratedText(@TempDir Path dir) throws Exception {
        Path p = Files.writeString(dir.resolve("tokenizer.json"), Seeds.smallTokenizerJson());
        textRoundTrip(BpeTokenizer.load(p), true, new Random(6));
    }

    private static void textRoundTrip(Tokenizer t, boolean nfc, Random r) {
        for (int c = 0; c < CASES; c++) {
            String x = randomText(r, r.nextInt(c < CASES / 2 ? 16 : 200));
            String expected = nfc ? Normalizer.normalize(x, Normalizer.Form.NFC) : x;
            assertThat(t.decode(t.encode(x))).as("%s: %s", t.name(), codePoints(x)).isEqualTo(expected);
        }
    }

    private static void bytesRoundTrip(Tokenizer t, Random r) {
        for (int c = 0; c < CASES; c++) {
            byte[] b = new byte[r.nextInt(c < CASES / 2 ? 16 : 300)];
            r.nextBytes(b);
            if (c % 3 == 0) { // mostly valid UTF-8 with a few stray bytes, the case streaming decoders meet
                byte[] text = randomText(r, b.length / 2).getBytes(StandardCharsets.UTF_8);
                if (text.length > 0) text[r.nextInt(text.length)] = (byte) (0x80 + r.nextInt(0x80));
                b = text;
            }
            assertThat(t.decodeBytes(t.encodeBytes(b))).as(t.name()).isEqualTo(b);
        }
    }

    /** Code points from everywhere: ASCII, whitespace and controls, Latin with combining marks, CJK, emoji, private use, noncharacters. */
    static String randomText(Random r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int cp = switch (r.nextInt(9)) {
                case 0, 1 -> 0x20 + r.nextInt(0x5F);
                case 2 -> " \t\n\r\u000b\u000c\u00a0\u3000".charAt(r.nextInt(8));
                case 3 -> r.nextInt(0x20);
                case 4 -> 0xC0 + r.nextInt(0x250);              // Latin, IPA, combining marks (NFC composes some)
                case 5 -> 0x4E00 + r.nextInt(0x5200);           // CJK
                case 6 -> 0x1F300 + r.nextInt(0x400);           // emoji (surrogate pairs in Java)
                case 7 -> 0xAC00 + r.nextInt(11172);           // Hangul syllables (NFC/NFD differ)
                default -> {
                    int v;
                    do v = r.nextInt(0x110000); while (v >= 0xD800 && v <= 0xDFFF); // any scalar value
                    yield v;
                }
            };
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private static String codePoints(String s) {
        return s.codePoints().mapToObj(Integer::toHexString).toList().toString();
    }
}
