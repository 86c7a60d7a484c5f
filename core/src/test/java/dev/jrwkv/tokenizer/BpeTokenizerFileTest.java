package dev.jrwkv.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Small hand-made tokenizer.json files: merge order, added-token flags, and every rejected input. */
class BpeTokenizerFileTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A byte-level tokenizer: ids 0..255 are the bytes, then the given merges in rank order (ids 256...). */
    private ObjectNode tokenizer(String... merges) {
        ObjectNode root = JSON.createObjectNode();
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens");
        root.putObject("normalizer").put("type", "NFC");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true);
        root.putObject("post_processor").put("type", "ByteLevel");
        root.putObject("decoder").put("type", "ByteLevel");
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token");
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < 256; b++) vocab.put(String.valueOf(ByteLevel.charOf(b)), b);
        ArrayNode list = model.putArray("merges");
        int next = 256;
        for (String m : merges) {
            list.add(m);
            String merged = m.replace(" ", "");
            if (!vocab.has(merged)) vocab.put(merged, next++);
        }
        return root;
    }

    private Path write(ObjectNode root) throws IOException {
        Path f = Files.createTempFile(dir, "tokenizer", ".json");
        JSON.writeValue(f.toFile(), root);
        return f;
    }

    private BpeTokenizer load(ObjectNode root) throws IOException {
        return BpeTokenizer.load(write(root));
    }

    private static void addToken(ObjectNode root, int id, String content, Consumer<ObjectNode> flags) {
        ObjectNode t = ((ArrayNode) root.get("added_tokens")).addObject();
        t.put("id", id).put("content", content).put("special", false).put("single_word", false)
                .put("lstrip", false).put("rstrip", false).put("normalized", false);
        flags.accept(t);
    }

    @Test
    void lowestRankMergesFirst() throws IOException {
        // b+c outranks a+b, so "abc" goes a|bc -> abc (id 258), never through "ab".
        BpeTokenizer t = load(tokenizer("b c", "a b", "a bc"));
        assertThat(t.encode("abc")).containsExactly(258);
        assertThat(t.encode("ab")).containsExactly(257);
        // Equal pairs merge leftmost first: "aaa" -> aa|a.
        BpeTokenizer u = load(tokenizer("a a"));
        assertThat(u.encode("aaa")).containsExactly(256, 'a');
        assertThat(u.encode("aaaa")).containsExactly(256, 256);
        // A long word without any space stays correct (and the heap keeps it fast).
        assertThat(u.encode("a".repeat(100_001))).hasSize(50_001).endsWith('a');
    }

    @Test
    void addPrefixSpaceAndSpaceLetter() throws IOException {
        ObjectNode root = tokenizer("Ġ h", "Ġh i");
        assertThat(load(root).encode("hi")).containsExactly('h', 'i');
        ((ObjectNode) root.get("pre_tokenizer")).put("add_prefix_space", true);
        BpeTokenizer t = load(root);
        assertThat(t.encode("hi")).containsExactly(257);
        assertThat(t.decode(t.encode("hi"))).isEqualTo(" hi");
    }

    @Test
    void addedTokenFlagsFollowTheLibrary() throws IOException {
        ObjectNode plain = tokenizer();
        addToken(plain, 300, "<x>", f -> { });
        BpeTokenizer t = load(plain);
        assertThat(t.encode("a <x> b")).containsExactly('a', ' ', 300, ' ', 'b');
        assertThat(t.encode("a<x>b")).containsExactly('a', 300, 'b');

        ObjectNode strip = tokenizer();
        addToken(strip, 300, "<x>", f -> f.put("lstrip", true).put("rstrip", true));
        BpeTokenizer s = load(strip);
        assertThat(s.encode("a  <x>\t b")).containsExactly('a', 300, 'b');
        assertThat(s.decode(s.encode("a  <x>\t b"))).isEqualTo("a<x>b");

        ObjectNode word = tokenizer();
        addToken(word, 300, "<x>", f -> f.put("single_word", true));
        BpeTokenizer w = load(word);
        assertThat(w.encode("a<x>b")).containsExactly('a', '<', 'x', '>', 'b');
        assertThat(w.encode("a <x> b")).containsExactly('a', ' ', 300, ' ', 'b');
        assertThat(w.encode("<x>")).containsExactly(300);
    }

    @Test
    void longestAddedTokenWinsAtTheLeftmostPosition() throws IOException {
        ObjectNode root = tokenizer();
        addToken(root, 300, "ab", f -> { });
        addToken(root, 301, "abc", f -> { });
        addToken(root, 302, "bcd", f -> { });
        BpeTokenizer t = load(root);
        assertThat(t.encode("abcd")).containsExactly(301, 'd');
        assertThat(t.encode("xbcd")).containsExactly('x', 302);
    }

    @Test
    void normalizedAddedTokensMatchNormalizedText() throws IOException {
        ObjectNode root = tokenizer();
        addToken(root, 300, "é", f -> f.put("normalized", true));
        BpeTokenizer t = load(root);
        assertThat(t.encode("e\u0301")).containsExactly(300); // NFD input, NFC token
        ObjectNode raw = tokenizer();
        addToken(raw, 300, "e\u0301", f -> { });             // not normalized: matched before NFC
        assertThat(load(raw).encode("e\u0301")).containsExactly(300);
    }

    @Test
    void unsupportedPartsAreNamed() throws IOException {
        ObjectNode wordPiece = tokenizer();
        ((ObjectNode) wordPiece.get("model")).put("type", "WordPiece");
        assertThatThrownBy(() -> load(wordPiece)).isInstanceOf(TokenizerException.class)
                .hasMessageEndingWith("model.type: 'WordPiece' is not supported (supported: BPE)");

        ObjectNode lowercase = tokenizer();
        lowercase.putObject("normalizer").put("type", "Lowercase");
        assertThatThrownBy(() -> load(lowercase)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("normalizer.type: 'Lowercase' is not supported");

        ObjectNode sequence = tokenizer();
        ObjectNode seq = sequence.putObject("normalizer").put("type", "Sequence");
        seq.putArray("normalizers").addObject().put("type", "NFKC");
        seq.withArray("normalizers").addObject().put("type", "Strip");
        assertThatThrownBy(() -> load(sequence)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("normalizer.normalizers[1].type: 'Strip' is not supported");

        ObjectNode metaspace = tokenizer();
        metaspace.putObject("pre_tokenizer").put("type", "Metaspace");
        assertThatThrownBy(() -> load(metaspace)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("pre_tokenizer.type: 'Metaspace' is not supported (supported: ByteLevel)");

        ObjectNode template = tokenizer();
        template.putObject("post_processor").put("type", "TemplateProcessing");
        assertThatThrownBy(() -> load(template)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("post_processor.type: 'TemplateProcessing' is not supported");

        ObjectNode wpDecoder = tokenizer();
        wpDecoder.putObject("decoder").put("type", "WordPiece");
        assertThatThrownBy(() -> load(wpDecoder)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("decoder.type: 'WordPiece' is not supported");

        ObjectNode truncation = tokenizer();
        truncation.putObject("truncation").put("max_length", 512);
        assertThatThrownBy(() -> load(truncation)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("truncation: is set");

        ObjectNode fallback = tokenizer();
        ((ObjectNode) fallback.get("model")).put("byte_fallback", true);
        assertThatThrownBy(() -> load(fallback)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("model.byte_fallback: is true");
    }

    @Test
    void brokenFilesAreNamed() throws IOException {
        Path notJson = dir.resolve("broken.json");
        Files.writeString(notJson, "{\"model\": ");
        assertThatThrownBy(() -> BpeTokenizer.load(notJson)).isInstanceOf(TokenizerException.class)
                .hasMessageStartingWith(notJson + ": not valid JSON");

        Path missing = dir.resolve("missing.json");
        assertThatThrownBy(() -> BpeTokenizer.load(missing)).isInstanceOf(TokenizerException.class)
                .hasMessageStartingWith(missing + ": cannot read the tokenizer");

        ObjectNode badMerge = tokenizer("a b");
        ((ArrayNode) badMerge.get("model").get("merges")).add("a b c");
        assertThatThrownBy(() -> load(badMerge)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("model.merges[1]: \"a b c\" is not two tokens separated by one space");

        ObjectNode unknownMerge = tokenizer();
        ((ArrayNode) unknownMerge.get("model").get("merges")).add("x yz");
        assertThatThrownBy(() -> load(unknownMerge)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("model.merges[0]: token \"yz\" is not in model.vocab");

        ObjectNode duplicateId = tokenizer();
        ((ObjectNode) duplicateId.get("model").get("vocab")).put("hello", 5);
        assertThatThrownBy(() -> load(duplicateId)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("model.vocab[\"hello\"]: id 5 is also the id of");

        ObjectNode badId = tokenizer();
        ((ObjectNode) badId.get("model").get("vocab")).put("hello", "five");
        assertThatThrownBy(() -> load(badId)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("model.vocab[\"hello\"]: is not an integer id");

        ObjectNode badAdded = tokenizer();
        ((ArrayNode) badAdded.get("added_tokens")).addObject().put("id", -4).put("content", "x");
        assertThatThrownBy(() -> load(badAdded)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("added_tokens[0].id: is missing or not an id");
    }

    @Test
    void mergesAsPairsAreAccepted() throws IOException {
        ObjectNode root = tokenizer();
        ((ArrayNode) root.get("model").get("merges")).addArray().add("a").add("b");
        ((ObjectNode) root.get("model").get("vocab")).put("ab", 256);
        assertThat(load(root).encode("ab")).containsExactly(256);
    }

    @Test
    void gapIdsAreNamedOnDecode() throws IOException {
        ObjectNode root = tokenizer();
        addToken(root, 300, "<x>", f -> { });
        BpeTokenizer t = load(root);
        assertThat(t.vocabSize()).isEqualTo(301);
        assertThatThrownBy(() -> t.decode(new int[] {280})).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("token id 280 at position 0 is not in the vocabulary");
    }
}
