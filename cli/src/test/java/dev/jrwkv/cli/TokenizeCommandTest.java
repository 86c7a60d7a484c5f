package dev.jrwkv.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code jrwkv tokenize} against the official ids of the tokenizer fixtures. */
class TokenizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Every {@code step}-th case of a fixture file, and always the named ones. */
    private static List<JsonNode> cases(String file, int step, String... always) throws IOException {
        List<JsonNode> all = new ArrayList<>();
        for (String line : Files.readAllLines(Fixtures.file("tokenizers/" + file))) if (!line.isBlank()) all.add(JSON.readTree(line));
        List<JsonNode> picked = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            String name = all.get(i).get("name").asText();
            if (i % step == 0 || List.of(always).contains(name)) picked.add(all.get(i));
        }
        return picked;
    }

    private static String ids(JsonNode c) {
        return StreamSupport.stream(c.get("ids").spliterator(), false).map(JsonNode::asText).collect(Collectors.joining(" "));
    }

    @Test
    void worldIdsOfTexts() throws IOException {
        Path vocab = Fixtures.file("tokenizers/rwkv_vocab_v20230424.txt");
        for (JsonNode c : cases("world-cases.jsonl", 9, "ascii_hello", "emoji_zwj_family", "spaces_long")) {
            var r = Cli.run("tokenize", "--tokenizer", vocab, "--", c.get("text").asText());
            assertThat(r.exit()).as(c.get("name").asText() + ": " + r.err()).isZero();
            assertThat(r.out()).as(c.get("name").asText()).isEqualTo(ids(c) + "\n");
        }
    }

    @Test
    void worldIdsOfRawBytesFromAFile() throws IOException {
        Path vocab = Fixtures.file("tokenizers/rwkv_vocab_v20230424.txt");
        for (JsonNode c : cases("world-bytes-cases.jsonl", 1)) {
            Path f = Files.write(dir.resolve(c.get("name").asText() + ".bin"), HexFormat.of().parseHex(c.get("bytes_hex").asText()));
            var r = Cli.run("tokenize", "--tokenizer", vocab, "--file", f, "--json");
            assertThat(r.exit()).as(c.get("name").asText() + ": " + r.err()).isZero();
            assertThat(JSON.readTree(r.out())).as(c.get("name").asText()).isEqualTo(c.get("ids"));
        }
    }

    @Test
    void neoxIdsOfTexts() throws IOException {
        Path json = Fixtures.file("tokenizers/20B_tokenizer.json");
        for (JsonNode c : cases("neox20b-cases.jsonl", 10, "spaces_long", "latin_nfd", "special_token_literal")) {
            var r = Cli.run("tokenize", "--tokenizer", json, "--", c.get("text").asText());
            assertThat(r.exit()).as(c.get("name").asText() + ": " + r.err()).isZero();
            assertThat(r.out()).as(c.get("name").asText()).isEqualTo(ids(c) + "\n");
        }
    }

    @Test
    void neoxRefusesBytesThatAreNotUtf8() throws IOException {
        Path f = Files.write(dir.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9});
        var r = Cli.run("tokenize", "--tokenizer", Fixtures.file("tokenizers/20B_tokenizer.json"), "--file", f);
        assertThat(r.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(r.err()).startsWith("jrwkv: ").contains(f.toString()).contains("UTF-8").contains("world");
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void verboseListsThePieces() throws IOException {
        Path vocab = Fixtures.file("tokenizers/rwkv_vocab_v20230424.txt");
        var r = Cli.run("tokenize", "--tokenizer", vocab, "Hello world", "--verbose");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("33155\t48656c6c6f\t\"Hello\"\n40213\t20776f726c64\t\" world\"\n");
        // half of a CJK character: the piece is not text on its own
        Path f = Files.write(dir.resolve("half.bin"), new byte[] {(byte) 0xE4, (byte) 0xB8});
        var half = Cli.run("tokenize", "--tokenizer", vocab, "--file", f, "--verbose", "--json");
        assertThat(half.exit()).as(half.err()).isZero();
        JsonNode pieces = JSON.readTree(half.out());
        assertThat(pieces).isNotEmpty();
        assertThat(pieces.get(0).get("text").isNull()).isTrue();
        assertThat(pieces.get(0).get("bytes_hex").asText()).startsWith("e4");
    }

    @Test
    void byteTokenizerAndJsonArray() {
        var r = Cli.run("tokenize", "--tokenizer", "byte", "hé", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("[104,195,169]\n");
    }

    @Test
    void textAndFileAreExclusiveAndOneIsNeeded() throws IOException {
        Path f = Files.writeString(dir.resolve("t.txt"), "x");
        var both = Cli.run("tokenize", "--tokenizer", "byte", "x", "--file", f);
        assertThat(both.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(both.err()).contains("exactly one");
        var none = Cli.run("tokenize", "--tokenizer", "byte");
        assertThat(none.exit()).isEqualTo(Main.USER_ERROR);
        var missing = Cli.run("tokenize", "--tokenizer", "byte", "--file", dir.resolve("gone.txt"));
        assertThat(missing.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(missing.err()).contains("gone.txt").contains("no such file");
        var badTokenizer = Cli.run("tokenize", "--tokenizer", dir.resolve("nope.json"), "x");
        assertThat(badTokenizer.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(badTokenizer.err()).contains("nope.json");
    }

    @Test
    void emptyTextHasNoTokens() {
        var r = Cli.run("tokenize", "--tokenizer", "byte", "", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("[]\n");
    }
}
