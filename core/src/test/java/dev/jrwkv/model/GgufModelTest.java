package dev.jrwkv.model;

import dev.jrwkv.Fixtures;
import dev.jrwkv.format.GgufFile;
import dev.jrwkv.format.GgufValue;
import dev.jrwkv.format.RwkvCppFile;
import dev.jrwkv.format.RwkvCppLayout;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;

import static dev.jrwkv.model.OfficialTrace.maxAbs;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * rwkv.cpp FP32 RWKV-7 → official tensors → llama.cpp GGUF (F32, F16, Q8_0) → {@link Model#load}:
 * the GGUF view gives back the official tensors and the same logits.
 */
class GgufModelTest {
    private static final int[] QUOTE_IN = {0x22, 0x69, 0x6E};

    @TempDir
    Path dir;

    private Path bin() {
        return Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin");
    }

    private Path gguf(DType type) throws IOException {
        Path out = dir.resolve("7v0-" + type + ".gguf");
        try (TensorStore official = RwkvCppLayout.toOfficial(RwkvCppFile.open(bin()))) {
            LlamaCppNames.writeGguf(official, out, type, new LinkedHashMap<>());
        }
        return out;
    }

    private static float[] logits(Path model) {
        try (Model m = Model.load(model)) {
            return m.forward(QUOTE_IN, m.newState());
        }
    }

    @Test
    void ggufF32ViewHoldsExactlyTheOfficialTensors() throws IOException {
        Path g = gguf(DType.F32);
        try (TensorStore official = RwkvCppLayout.toOfficial(RwkvCppFile.open(bin()));
             TensorStore view = LlamaCppNames.asOfficial(GgufFile.open(g))) {
            assertThat(view.names()).containsExactlyInAnyOrderElementsOf(official.names());
            for (String n : official.names()) {
                Tensor a = official.get(n), b = view.get(n);
                assertThat(b.shape()).as(n).isEqualTo(a.shape());
                assertThat(b.toFloats()).as(n).isEqualTo(a.toFloats());
            }
        }
        try (GgufFile f = GgufFile.open(g)) {
            assertThat(f.metadata()).containsEntry("general.architecture", "rwkv7")
                    .containsEntry("rwkv7.block_count", "12").containsEntry("rwkv7.wkv.head_size", "64")
                    .containsEntry("rwkv7.attention.decay_lora_rank", "32").containsEntry("rwkv7.feed_forward_length", "256");
            assertThat(f.value("rwkv7.embedding_length").orElseThrow().type()).isEqualTo(dev.jrwkv.format.GgufType.UINT32);
            assertThat(f.get("blk.0.time_mix_lerp_fused.weight").shape()).containsExactly(6, 1, 1, 64);
            assertThat(f.get("blk.0.time_mix_w1.weight").shape()).containsExactly(32, 64);   // transposed official [64, 32]
            assertThat(f.get("blk.0.time_mix_r_k.weight").shape()).containsExactly(64);
            assertThat(f.get("blk.0.time_mix_v1.weight").toFloats()).isEqualTo(f.get("blk.0.time_mix_a1.weight").toFloats());
        }
    }

    @Test
    void ggufF32LogitsMatchRwkvCppFileAndExpectedLogits() throws IOException {
        float[] fromGguf = logits(gguf(DType.F32));
        float[] fromBin = logits(bin());
        float[] expected = EveryFileTest.floats(Files.readAllBytes(Fixtures.file("tiny-rwkv/expected-logits-7v0-834K.bin")), 0, 256);
        assertThat(maxAbs(fromGguf, fromBin)).isLessThanOrEqualTo(1e-5f);
        assertThat(maxAbs(fromGguf, expected)).isLessThanOrEqualTo(OfficialParityTest.LOGIT_TOL);
    }

    /**
     * F16 and Q8_0 GGUF: the same logits (to float rounding) as an F32 GGUF holding the same
     * dequantized values, i.e. the engine adds no error of its own; against the FP32 model they differ
     * by the rounding of the weights (measured: F16 3.6e-7, Q8_0 1.1e-2).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"F16, 1e-5", "Q8_0, 0.03"})
    void ggufF16AndQ8_0(DType type, float tolVsFp32) throws IOException {
        Path g = gguf(type);
        Path f32Same = dir.resolve("f32-same-values.gguf");
        try (TensorStore view = LlamaCppNames.asOfficial(GgufFile.open(g))) {
            LlamaCppNames.writeGguf(view, f32Same, DType.F32, new LinkedHashMap<>());
        }
        float[] lg = logits(g);
        float[] same = logits(f32Same), fp32 = logits(bin());
        System.out.printf("7v0 GGUF %s: vs F32 of the same values %.3g, vs FP32 %.3g%n", type, maxAbs(lg, same), maxAbs(lg, fp32));
        assertThat(maxAbs(lg, same)).isLessThanOrEqualTo(1e-5f);
        assertThat(maxAbs(lg, fp32)).isLessThanOrEqualTo(tolVsFp32);
    }

    @Test
    void extraMetadataIsWrittenAfterTheModelKeys() throws IOException {
        Path out = dir.resolve("tok.gguf");
        var extra = new LinkedHashMap<String, GgufValue>();
        extra.put("tokenizer.ggml.model", GgufValue.string("rwkv"));
        extra.put("tokenizer.ggml.tokens", GgufValue.strings(java.util.List.of("<s>", "a", "b")));
        try (TensorStore official = RwkvCppLayout.toOfficial(RwkvCppFile.open(bin()))) {
            LlamaCppNames.writeGguf(official, out, DType.F32, extra);
        }
        try (GgufFile f = GgufFile.open(out)) {
            assertThat(f.stringArray("tokenizer.ggml.tokens")).containsExactly("<s>", "a", "b");
            assertThat(f.values().lastEntry().getKey()).isEqualTo("tokenizer.ggml.tokens");
        }
    }

    @Test
    void nonRwkvGgufIsAClearError() throws IOException {
        Path p = dir.resolve("llama.gguf");
        var meta = new LinkedHashMap<String, GgufValue>();
        meta.put("general.architecture", GgufValue.string("llama"));
        dev.jrwkv.format.GgufWriter.write(p, meta, java.util.List.of(Tensor.ofFloats("token_embd.weight", new float[4], 2, 2)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Model.load(p))
                .isInstanceOf(dev.jrwkv.format.ModelFormatException.class).hasMessageContaining("\"llama\"").hasMessageContaining(p.toString());
    }
}
