package dev.jrwkv.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jrwkv.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.List;

import static dev.jrwkv.tokenizer.JsonLines.ints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BpeTokenizerTest {
    private static BpeTokenizer neox;

    @BeforeAll
    static void load() {
        neox = BpeTokenizer.load(Fixtures.file("tokenizers/20B_tokenizer.json"));
    }

    @Test
    void vocabularyShape() {
        assertThat(neox.vocabSize()).isEqualTo(50277);
        assertThat(neox.name()).isEqualTo("bpe(20B_tokenizer.json)");
        assertThat(new String(neox.tokenBytes(0), StandardCharsets.UTF_8)).isEqualTo("<|endoftext|>");
        assertThat(neox.isSpecial(0)).isTrue();
        assertThat(neox.isSpecial(50254)).isFalse();
        assertThat(new String(neox.tokenBytes(50254), StandardCharsets.UTF_8)).isEqualTo(" ".repeat(24));
        assertThat(new String(neox.tokenBytes(1533), StandardCharsets.UTF_8)).isEqualTo(" world"); // "Ġworld"
    }

    @Test
    void everyCaseIsIdExact() throws IOException {
        List<JsonNode> cases = JsonLines.read(Fixtures.file("tokenizers/neox20b-cases.jsonl"));
        assertThat(cases).hasSize(70);
        for (JsonNode c : cases) {
            String name = c.get("name").asText();
            assertThat(neox.encode(c.get("text").asText())).as(name).containsExactly(ints(c.get("ids")));
        }
    }

    @Test
    void everyCaseDecodesLikeTheLibrary() throws IOException {
        int differing = 0;
        for (JsonNode c : JsonLines.read(Fixtures.file("tokenizers/neox20b-cases.jsonl"))) {
            String name = c.get("name").asText();
            String text = c.get("text").asText();
            int[] ids = ints(c.get("ids"));
            String decoded = neox.decode(ids);
            assertThat(decoded).as(name).isEqualTo(c.get("decode_text").asText());
            assertThat(neox.decode(ids, true)).as(name).isEqualTo(c.get("decode_skip_special_text").asText());
            // Round trip: the text comes back, normalized to NFC (only the NFD case differs).
            assertThat(decoded).as(name).isEqualTo(Normalizer.normalize(text, Normalizer.Form.NFC));
            if (!decoded.equals(text)) differing++;
        }
        assertThat(differing).isEqualTo(1);
    }

    @Test
    void nfdTextComesBackComposed() {
        String nfd = Normalizer.normalize("café naïve", Normalizer.Form.NFD);
        assertThat(nfd).isNotEqualTo("café naïve");
        assertThat(neox.decode(neox.encode(nfd))).isEqualTo("café naïve");
        assertThat(neox.encode(nfd)).containsExactly(neox.encode("café naïve"));
    }

    @Test
    void addedTokensAreMatchedBeforeBpe() {
        assertThat(neox.encode(" ".repeat(40) + "x")).containsExactly(50254, 50262, 89);
        assertThat(neox.encode("a<|endoftext|>b")).startsWith(new int[] {66, 0}).hasSize(3);
        assertThat(neox.decode(neox.encode("a<|endoftext|>b"), true)).isEqualTo("ab");
        assertThat(neox.decode(neox.encode("a<|endoftext|>b"))).isEqualTo("a<|endoftext|>b");
    }

    @Test
    void bytesSplitInsideACharacterDecodeRaw() {
        int[] ids = neox.encode("😀");
        assertThat(ids.length).isGreaterThan(1); // the emoji is split across byte-level tokens
        assertThat(neox.decodeBytes(ids)).isEqualTo("😀".getBytes(StandardCharsets.UTF_8));
        assertThat(neox.decode(new int[] {ids[0]})).contains("\ufffd");
    }

    @Test
    void encodeBytesNeedsUtf8() {
        assertThat(neox.encodeBytes("Hello world".getBytes(StandardCharsets.UTF_8))).containsExactly(12092, 1533);
        assertThatThrownBy(() -> neox.encodeBytes(new byte[] {'a', (byte) 0xFF}))
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining("not valid UTF-8");
    }

    @Test
    void idsOutOfRangeOnDecodeAreNamed() {
        assertThatThrownBy(() -> neox.decode(new int[] {12092, 50277}))
                .isInstanceOf(TokenizerException.class)
                .hasMessage("bpe(20B_tokenizer.json): token id 50277 at position 1 is out of range 0..50276");
        assertThatThrownBy(() -> neox.tokenBytes(-1))
                .isInstanceOf(TokenizerException.class)
                .hasMessage("bpe(20B_tokenizer.json): token id -1 is out of range 0..50276");
    }

    /** Not an assertion on speed: prints a figure for the report. */
    @Test
    void encodesAMegabyte() {
        StringBuilder sb = new StringBuilder();
        String[] samples = {"The quick brown fox jumps over the lazy dog. ", "def f(x):\n    return x * 2  # double\n",
                "中文文本的分词测试，包括标点符号。", "Ünïcödé àccents, emoji 😀👍🏽, numbers 1234567890. "};
        for (int i = 0; sb.length() < 1 << 20; i++) sb.append(samples[i % samples.length]).append(i).append(' ');
        String text = sb.toString();
        int[] ids = neox.encode(text);
        long best = Long.MAX_VALUE;
        for (int run = 0; run < 3; run++) {
            long t0 = System.nanoTime();
            ids = neox.encode(text);
            best = Math.min(best, System.nanoTime() - t0);
        }
        assertThat(neox.decode(ids)).isEqualTo(text);
        long l0 = System.nanoTime();
        BpeTokenizer.load(Fixtures.file("tokenizers/20B_tokenizer.json"));
        System.out.printf("BpeTokenizer: loaded 20B_tokenizer.json in %.1f ms%n", (System.nanoTime() - l0) / 1e6);
        System.out.printf("BpeTokenizer: encoded %,d chars into %,d tokens in %.1f ms (best of 3, after warm-up)%n",
                text.length(), ids.length, best / 1e6);
    }
}
