package dev.jrwkv.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jrwkv.format.GgufFile;
import dev.jrwkv.format.RwkvCppFile;
import dev.jrwkv.model.Model;
import dev.jrwkv.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code convert}, {@code quantize} and {@code perplexity} as a user runs them. */
class ConvertCommandsTest {
    private static final String PTH = "official/7v0-834K.pth";
    private static final int[] QUOTE_IN = {0x22, 0x69, 0x6E};

    @TempDir
    Path dir;

    private static float[] logits(Path model) {
        try (Model m = Model.load(model)) {
            return m.forward(QUOTE_IN, m.newState());
        }
    }

    private static float maxAbs(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @Test
    void convertToGgufWithDtypeShowsProgressAndKeepsTheLogits() throws IOException {
        Path out = dir.resolve("m.gguf");
        var r = Cli.run("convert", Fixtures.file(PTH), out, "--dtype", "f32");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("converting: ").contains("(100%)").contains("wrote " + out);
        try (GgufFile g = GgufFile.open(out)) {
            assertThat(g.get("blk.0.time_mix_key.weight").type()).isEqualTo(DType.F32);
        }
        assertThat(maxAbs(logits(out), logits(Fixtures.file(PTH)))).isLessThanOrEqualTo(1e-5f);
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).as("no temporary file is left behind").containsExactly(out);
        }
    }

    @Test
    void convertToAHuggingFaceFolderWithFormat() {
        Path out = dir.resolve("hf");
        var r = Cli.run("convert", Fixtures.file(PTH), out, "--format", "hf");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(out.resolve("config.json")).exists();
        assertThat(maxAbs(logits(out), logits(Fixtures.file(PTH)))).isLessThanOrEqualTo(1e-5f);
    }

    @Test
    void quantizingAHalfModelToBinKeepsTheFloatTensorsHalf() throws IOException {
        Path half = dir.resolve("half.safetensors");
        assertThat(Cli.run("convert", Fixtures.file(PTH), half, "--dtype", "f16").exit()).isZero();
        Path out = dir.resolve("q8.bin");
        var r = Cli.run("quantize", half, out, "--type", "q8_0");
        assertThat(r.exit()).as(r.err()).isZero();
        try (RwkvCppFile f = RwkvCppFile.open(out)) {
            assertThat(f.get("blocks.0.att.key.weight").type()).isEqualTo(DType.Q8_0);
            assertThat(f.get("head.weight").type()).isEqualTo(DType.F16);      // as rwkv.cpp's quantizer: not widened to F32
            assertThat(f.get("emb.weight").type()).isEqualTo(DType.F16);
            assertThat(f.get("blocks.0.ln1.weight").type()).isEqualTo(DType.F32);
        }
        assertThat(maxAbs(logits(out), logits(half))).isLessThanOrEqualTo(2e-2f);
    }

    @Test
    void quantizeToBinKeepsSmallTensorsFloat() throws IOException {
        Path out = dir.resolve("q.bin");
        var r = Cli.run("quantize", Fixtures.file(PTH), out, "--type", "q5_1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("quantizing: ").contains("wrote " + out);
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-Q5_1.bin")));
        try (RwkvCppFile f = RwkvCppFile.open(out)) {
            assertThat(f.get("blocks.0.att.key.weight").type()).isEqualTo(DType.Q5_1);
            assertThat(f.get("head.weight").type()).isEqualTo(DType.F32);
        }
    }

    @Test
    void perplexityJsonIsStableAndConsistent() throws IOException {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n");
        Path gguf = dir.resolve("m.gguf");
        assertThat(Cli.run("convert", Fixtures.file(PTH), gguf).exit()).isZero();
        var a = Cli.run("perplexity", Fixtures.file(PTH), "--text", text, "--json", "--chunk", "7");
        var b = Cli.run("perplexity", gguf, "--text", text, "--json");
        assertThat(a.exit()).as(a.err()).isZero();
        assertThat(a.err()).contains("scoring: ");
        JsonNode ja = new ObjectMapper().readTree(a.out()), jb = new ObjectMapper().readTree(b.out());
        assertThat(ja.properties()).extracting(e -> e.getKey()).containsExactly("tokens", "bytes", "nll_per_token", "perplexity", "bits_per_byte");
        long bytes = Files.size(text);
        assertThat(ja.get("bytes").asLong()).isEqualTo(bytes);
        assertThat(ja.get("tokens").asLong()).isEqualTo(bytes - 1);                   // byte-level; the first byte is not scored
        double nll = ja.get("nll_per_token").asDouble();
        assertThat(ja.get("perplexity").asDouble()).isCloseTo(Math.exp(nll), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(ja.get("bits_per_byte").asDouble()).isCloseTo(nll * (bytes - 1) / Math.log(2) / bytes, org.assertj.core.data.Offset.offset(1e-9));
        // chunking and format do not change the result beyond float rounding
        assertThat(jb.get("nll_per_token").asDouble()).isCloseTo(nll, org.assertj.core.data.Offset.offset(1e-5));
        var plain = Cli.run("perplexity", Fixtures.file(PTH), "--text", text, "--max-bytes", "20");
        assertThat(plain.exit()).isZero();
        assertThat(plain.out()).contains("19 tokens, 20 bytes, perplexity ");
    }

    @Test
    void badInputsExitWith2NamingTheProblem() {
        Path pth = Fixtures.file(PTH);
        var format = Cli.run("convert", pth, dir.resolve("m.onnx"));
        assertThat(format.exit()).isEqualTo(2);
        assertThat(format.err()).contains("m.onnx");
        var dtype = Cli.run("convert", pth, dir.resolve("m.gguf"), "--dtype", "f8");
        assertThat(dtype.exit()).isEqualTo(2);
        assertThat(dtype.err()).contains("'f8'");
        var type = Cli.run("quantize", pth, dir.resolve("q.gguf"), "--type", "q3_k");
        assertThat(type.exit()).isEqualTo(2);
        assertThat(type.err()).contains("'q3_k'").contains("q8_0");
        var target = Cli.run("quantize", pth, dir.resolve("q.safetensors"), "--type", "q8_0");
        assertThat(target.exit()).isEqualTo(2);
        assertThat(target.err()).contains("safetensors");
        var v6 = Cli.run("convert", Fixtures.file("tiny-rwkv/tiny-rwkv-6v0-1m-FP32.bin"), dir.resolve("v6.gguf"));
        assertThat(v6.exit()).isEqualTo(2);
        assertThat(v6.err()).contains("GGUF export").contains("RWKV-6");
        var noModel = Cli.run("perplexity", "--text", pth);
        assertThat(noModel.exit()).isEqualTo(2);
        assertThat(noModel.err()).contains("no MODEL given");
        var noText = Cli.run("perplexity", pth, "--text", dir.resolve("missing.txt"));
        assertThat(noText.exit()).isEqualTo(2);
        assertThat(noText.err()).contains("missing.txt");
        assertThat(dir).isEmptyDirectory();
    }
}
