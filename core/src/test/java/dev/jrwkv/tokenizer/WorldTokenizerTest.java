package dev.jrwkv.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jrwkv.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.jrwkv.tokenizer.JsonLines.hex;
import static dev.jrwkv.tokenizer.JsonLines.ints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorldTokenizerTest {
    private static WorldTokenizer world;

    @BeforeAll
    static void load() {
        world = WorldTokenizer.load(Fixtures.file("tokenizers/rwkv_vocab_v20230424.txt"));
    }

    @Test
    void vocabularyShape() {
        assertThat(world.vocabSize()).isEqualTo(65530);
        assertThat(world.name()).isEqualTo("world(rwkv_vocab_v20230424.txt)");
        for (int b = 0; b < 256; b++) assertThat(world.tokenBytes(b + 1)).containsExactly((byte) b);
        assertThat(world.tokenBytes(65529)).isEqualTo(" ".repeat(128).getBytes(StandardCharsets.US_ASCII));
        assertThat(world.tokenBytes(WorldTokenizer.END_OF_TEXT)).isEmpty();
    }

    @Test
    void everyTextCaseIsIdExactAndRoundTrips() throws IOException {
        List<JsonNode> cases = JsonLines.read(Fixtures.file("tokenizers/world-cases.jsonl"));
        assertThat(cases).hasSize(70);
        for (JsonNode c : cases) {
            String name = c.get("name").asText();
            String text = c.get("text").asText();
            int[] expected = ints(c.get("ids"));
            assertThat(world.encode(text)).as(name).containsExactly(expected);
            assertThat(world.encodeBytes(hex(c.get("utf8_hex").asText()))).as(name).containsExactly(expected);
            for (int i = 0; i < expected.length; i++) {
                assertThat(world.tokenBytes(expected[i])).as(name + " piece " + i)
                        .isEqualTo(hex(c.get("pieces_hex").get(i).asText()));
            }
            assertThat(world.decodeBytes(expected)).as(name).isEqualTo(hex(c.get("utf8_hex").asText()));
            assertThat(world.decode(expected)).as(name).isEqualTo(c.get("decode_text").asText()).isEqualTo(text);
        }
    }

    @Test
    void everyByteCaseIsIdExactAndRoundTrips() throws IOException {
        List<JsonNode> cases = JsonLines.read(Fixtures.file("tokenizers/world-bytes-cases.jsonl"));
        assertThat(cases).hasSize(10);
        for (JsonNode c : cases) {
            String name = c.get("name").asText();
            byte[] input = hex(c.get("bytes_hex").asText());
            int[] expected = ints(c.get("ids"));
            assertThat(world.encodeBytes(input)).as(name).containsExactly(expected);
            assertThat(world.decodeBytes(expected)).as(name).isEqualTo(input);
            assertThat(world.decode(expected)).as(name).contains("\ufffd");
        }
    }

    @Test
    void malformedUtf8DecodesWithReplacementPerSequence() {
        int[] ids = world.encodeBytes(new byte[] {'c', 'a', 'f', (byte) 0xE9});
        assertThat(world.decode(ids)).isEqualTo("caf\ufffd");
    }

    @Test
    void unpairedSurrogateIsRejected() {
        assertThatThrownBy(() -> world.encode("a\ud800b"))
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining("unpaired surrogate U+D800 at index 1");
    }

    @Test
    void idsOutOfRangeOnDecodeAreNamed() {
        assertThatThrownBy(() -> world.decodeBytes(new int[] {33155, 65530}))
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining("token id 65530 at position 1 is out of range 0..65529");
        assertThatThrownBy(() -> world.decode(new int[] {-1}))
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining("token id -1 at position 0 is out of range");
        assertThatThrownBy(() -> world.tokenBytes(70000))
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining("token id 70000 is out of range");
    }

    /** Not an assertion on speed (machines differ): prints the figure the report quotes. */
    @Test
    void encodesAMegabyteQuickly() {
        StringBuilder sb = new StringBuilder();
        String[] samples = {
                "The quick brown fox jumps over the lazy dog. ", "RWKV is an RNN with transformer-level performance.\n",
                "中文文本的分词测试，包括标点符号。", "日本語のテキスト、カタカナとひらがな。", "    indented code { return x + 1; }\n",
                "Ünïcödé àccents, emoji 😀👍🏽, numbers 1234567890. "};
        for (int i = 0; sb.length() < 1 << 20; i++) sb.append(samples[i % samples.length]);
        byte[] text = sb.toString().getBytes(StandardCharsets.UTF_8);
        int[] ids = world.encodeBytes(text); // warm-up
        long best = Long.MAX_VALUE;
        for (int run = 0; run < 5; run++) {
            long t0 = System.nanoTime();
            ids = world.encodeBytes(text);
            best = Math.min(best, System.nanoTime() - t0);
        }
        assertThat(world.decodeBytes(ids)).isEqualTo(text);
        long l0 = System.nanoTime();
        WorldTokenizer.load(Fixtures.file("tokenizers/rwkv_vocab_v20230424.txt"));
        System.out.printf("WorldTokenizer: loaded the vocabulary in %.1f ms%n", (System.nanoTime() - l0) / 1e6);
        System.out.printf("WorldTokenizer: encoded %,d bytes into %,d tokens in %.1f ms (best of 5, after warm-up)%n",
                text.length, ids.length, best / 1e6);
    }

    // ---- bad vocabulary files ------------------------------------------------------------------

    @Test
    void badLiteralNamesTheLine(@TempDir Path dir) throws IOException {
        Path f = write(dir, "1 'a' 1\n2 'b 1\n");
        assertThatThrownBy(() -> WorldTokenizer.load(f))
                .isInstanceOf(TokenizerException.class)
                .hasMessageStartingWith(f + ":2: bad token literal")
                .hasMessageContaining("no closing '");
        Path g = write(dir, "1 'a' 1\n2 b'\\xZZ' 1\n");
        assertThatThrownBy(() -> WorldTokenizer.load(g))
                .isInstanceOf(TokenizerException.class)
                .hasMessageStartingWith(g + ":2: bad token literal")
                .hasMessageContaining("bad hex digit 'Z'");
        Path h = write(dir, "1 hello 5\n");
        assertThatThrownBy(() -> WorldTokenizer.load(h))
                .isInstanceOf(TokenizerException.class)
                .hasMessageStartingWith(h + ":1: bad token literal")
                .hasMessageContaining("not a Python string literal");
    }

    @Test
    void wrongLengthNamesTheLine(@TempDir Path dir) throws IOException {
        Path f = write(dir, "1 'a' 1\n2 '\\u00e9' 1\n");
        assertThatThrownBy(() -> WorldTokenizer.load(f))
                .isInstanceOf(TokenizerException.class)
                .hasMessage(f + ":2: token 2 has 2 bytes but the line declares 1");
    }

    @Test
    void duplicateIdNamesBothLines(@TempDir Path dir) throws IOException {
        Path f = write(dir, "1 'a' 1\n2 'b' 1\n1 'c' 1\n");
        assertThatThrownBy(() -> WorldTokenizer.load(f))
                .isInstanceOf(TokenizerException.class)
                .hasMessage(f + ":3: duplicate token id 1 (first on line 1)");
    }

    @Test
    void duplicateBytesAreRejected(@TempDir Path dir) throws IOException {
        Path f = write(dir, "1 'a' 1\n2 b'a' 1\n");
        assertThatThrownBy(() -> WorldTokenizer.load(f))
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining(":2: token 2 has the same bytes as token 1 (line 1)");
    }

    @Test
    void badNumbersAndShapesNameTheLine(@TempDir Path dir) throws IOException {
        Path f = write(dir, "x 'a' 1\n");
        assertThatThrownBy(() -> WorldTokenizer.load(f)).isInstanceOf(TokenizerException.class)
                .hasMessage(f + ":1: bad id 'x' (expected a decimal integer)");
        Path g = write(dir, "1 'a' one\n");
        assertThatThrownBy(() -> WorldTokenizer.load(g)).isInstanceOf(TokenizerException.class)
                .hasMessage(g + ":1: bad length 'one' (expected a decimal integer)");
        Path h = write(dir, "1\n");
        assertThatThrownBy(() -> WorldTokenizer.load(h)).isInstanceOf(TokenizerException.class)
                .hasMessageStartingWith(h + ":1: expected '<id> <literal> <length>'");
        Path z = write(dir, "0 'a' 1\n");
        assertThatThrownBy(() -> WorldTokenizer.load(z)).isInstanceOf(TokenizerException.class)
                .hasMessageStartingWith(z + ":1: token id 0 is out of range 1..65535");
        // found by fuzzing: one line with a huge id made the id tables 4M entries (48 MB) long
        Path sparse = write(dir, "4194303 'a' 1\n");
        assertThatThrownBy(() -> WorldTokenizer.load(sparse)).isInstanceOf(TokenizerException.class)
                .hasMessageStartingWith(sparse + ":1: token id 4194303 is out of range 1..65535");
        Path empty = write(dir, "\n");
        assertThatThrownBy(() -> WorldTokenizer.load(empty)).isInstanceOf(TokenizerException.class)
                .hasMessage(empty + ": the vocabulary has no tokens");
        Path notUtf8 = dir.resolve("latin1.txt");
        Files.write(notUtf8, new byte[] {'1', ' ', '\'', 'a', '\'', ' ', '1', '\n', '2', ' ', '\'', (byte) 0xE9, '\'', ' ', '1', '\n'});
        assertThatThrownBy(() -> WorldTokenizer.load(notUtf8)).isInstanceOf(TokenizerException.class)
                .hasMessageStartingWith(notUtf8 + ":2: line is not valid UTF-8");
        Path missing = dir.resolve("missing.txt");
        assertThatThrownBy(() -> WorldTokenizer.load(missing)).isInstanceOf(TokenizerException.class)
                .hasMessageStartingWith(missing + ": cannot read the vocabulary");
    }

    @Test
    void pythonLiteralsParseLikePython(@TempDir Path dir) throws IOException {
        // Each line's literal and the bytes Python gives for it.
        Path f = write(dir, String.join("\n",
                "1 '\\x80' 2",            // str: U+0080 is two UTF-8 bytes
                "2 b'\\x80' 1",           // bytes: one raw byte
                "3 \"it's\" 4",
                "4 'a\\'b\\\\c\\\"' 6",
                "5 '\\n\\t\\r\\a\\b\\f\\v\\0' 8",
                "6 '\\101\\7' 2",
                "7 '\\U0001F600' 4",
                "8 '\\q' 2",              // unknown escape keeps its backslash
                "9 'a b' 3",              // spaces inside the literal
                "10 '\\N{LATIN SMALL LETTER E WITH ACUTE}' 2",
                "11 b'\\u00e9' 6",        // \\u is not an escape in bytes
                "12 '日本' 6",
                ""));
        WorldTokenizer t = WorldTokenizer.load(f);
        assertThat(t.tokenBytes(1)).containsExactly(0xC2 - 256, 0x80 - 256);
        assertThat(t.tokenBytes(2)).containsExactly(0x80 - 256);
        assertThat(new String(t.tokenBytes(3), StandardCharsets.UTF_8)).isEqualTo("it's");
        assertThat(new String(t.tokenBytes(4), StandardCharsets.UTF_8)).isEqualTo("a'b\\c\"");
        assertThat(t.tokenBytes(5)).containsExactly('\n', '\t', '\r', 7, 8, 12, 11, 0);
        assertThat(new String(t.tokenBytes(6), StandardCharsets.UTF_8)).isEqualTo("A\u0007");
        assertThat(new String(t.tokenBytes(7), StandardCharsets.UTF_8)).isEqualTo("😀");
        assertThat(new String(t.tokenBytes(8), StandardCharsets.UTF_8)).isEqualTo("\\q");
        assertThat(new String(t.tokenBytes(9), StandardCharsets.UTF_8)).isEqualTo("a b");
        assertThat(new String(t.tokenBytes(10), StandardCharsets.UTF_8)).isEqualTo("é");
        assertThat(new String(t.tokenBytes(11), StandardCharsets.UTF_8)).isEqualTo("\\u00e9");
        assertThat(new String(t.tokenBytes(12), StandardCharsets.UTF_8)).isEqualTo("日本");
        assertThat(t.vocabSize()).isEqualTo(13);
        // Id 11 ("\\u00e9" as 6 ASCII bytes) lacks single-byte tokens: encoding an unknown byte is a clear error.
        assertThatThrownBy(() -> t.encode("z")).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("no token starts with byte 0x7A (offset 0)");
    }

    @Test
    void surrogateAndNonAsciiBytesLiteralsAreRejected(@TempDir Path dir) throws IOException {
        Path f = write(dir, "1 '\\ud800' 3\n");
        assertThatThrownBy(() -> WorldTokenizer.load(f)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining(":1: bad token literal: str literal holds the surrogate U+D800");
        Path g = write(dir, "1 b'é' 2\n");
        assertThatThrownBy(() -> WorldTokenizer.load(g)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining(":1: bad token literal: bytes literal holds the non-ASCII character U+00E9");
    }

    private static Path write(Path dir, String content) throws IOException {
        Path f = Files.createTempFile(dir, "vocab", ".txt");
        Files.writeString(f, content, StandardCharsets.UTF_8);
        return f;
    }
}
