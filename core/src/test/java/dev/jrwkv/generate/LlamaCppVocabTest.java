package dev.jrwkv.generate;

import dev.jrwkv.Fixtures;
import dev.jrwkv.format.GgufFile;
import dev.jrwkv.format.GgufValue;
import dev.jrwkv.format.GgufWriter;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.ModelConverter;
import dev.jrwkv.tensor.Tensor;
import dev.jrwkv.tokenizer.Tokenizer;
import dev.jrwkv.tokenizer.WorldTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The World vocabulary in GGUF metadata as llama.cpp writes it, and read back by {@link Tokenizers#forModel}. */
class LlamaCppVocabTest {
    @TempDir
    Path dir;

    @Test
    void escapesAsPythonsBytesRepr() {
        assertThat(LlamaCppVocab.escape("\n\n".getBytes())).isEqualTo("\\n\\n");
        assertThat(LlamaCppVocab.escape("it's".getBytes())).isEqualTo("it's");            // repr switches to "..."
        assertThat(LlamaCppVocab.escape("'\"".getBytes())).isEqualTo("\\'\"");
        assertThat(LlamaCppVocab.escape(new byte[] {(byte) 0xFF, 0x7F, 1, '\t'})).isEqualTo("\\xff\\x7f\\x01\\t");
        assertThat(LlamaCppVocab.escape("a\\b".getBytes())).isEqualTo("a\\\\b");
        assertThat(LlamaCppVocab.escape("é".getBytes(StandardCharsets.UTF_8))).isEqualTo("\\xc3\\xa9");
    }

    @Test
    void everyTokenSurvivesTheGgufRoundTripAndForModelFindsIt() throws IOException {
        WorldTokenizer world = WorldTokenizer.load(Fixtures.file("tokenizers/rwkv_vocab_v20230424.txt"));
        var meta = LlamaCppVocab.metadata(world, 65536);
        assertThat(meta.firstEntry().getValue().value()).isEqualTo("rwkv");
        @SuppressWarnings("unchecked") List<String> tokens = (List<String>) meta.get("tokenizer.ggml.tokens").value();
        assertThat(tokens).hasSize(65536);
        assertThat(tokens.get(0)).isEqualTo("<s>");
        assertThat(tokens.get(261)).isEqualTo("\\n\\n");
        assertThat(tokens.get(65535)).isEqualTo("[PAD65535]");

        // a tiny model's GGUF carrying the vocabulary: the tokenizer comes from the file itself
        Path model = dir.resolve("m.gguf");
        Path pth = Fixtures.file("official/7v0-834K.pth");
        ModelConverter.convert(pth, model, ModelConverter.Target.GGUF, null, meta, ModelConverter.Progress.NONE);
        Tokenizer fromGguf;
        try (Model m = Model.load(model)) {
            fromGguf = Tokenizers.forModel(m.config(), model);
        }
        assertThat(fromGguf).isInstanceOf(WorldTokenizer.class);
        for (int id = 1; id < world.vocabSize(); id++) assertThat(fromGguf.tokenBytes(id)).as("token " + id).isEqualTo(world.tokenBytes(id));
        String text = "Hello world\n\nIt's a \"test\" \\ with é, 中文 and \u0001";
        assertThat(fromGguf.encode(text)).isEqualTo(world.encode(text));
        // the padding entries are not text: "[PAD65535]" is encoded byte by byte, as by the vocabulary file
        assertThat(fromGguf.encode("[PAD65535]")).isEqualTo(world.encode("[PAD65535]"));
    }

    @Test
    void ggufWithoutTokenizerFallsBackToTheVocabularySize() throws IOException {
        Path p = dir.resolve("plain.gguf");
        var meta = new java.util.LinkedHashMap<String, GgufValue>();
        meta.put("general.architecture", GgufValue.string("rwkv7"));
        GgufWriter.write(p, meta, List.of(Tensor.ofFloats("x", new float[] {1}, 1)));
        try (GgufFile g = GgufFile.open(p)) {
            assertThat(LlamaCppVocab.read(g)).isEmpty();
        }
    }
}
