package dev.jrwkv.model;

import dev.jrwkv.Fixtures;
import dev.jrwkv.format.GgufFile;
import dev.jrwkv.format.RwkvCppFile;
import dev.jrwkv.model.ModelConverter.Progress;
import dev.jrwkv.model.ModelConverter.Target;
import dev.jrwkv.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;

import static dev.jrwkv.model.OfficialTrace.maxAbs;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link ModelConverter#quantize}: which tensors are quantized, byte-exact rwkv.cpp Q5 files, and the logit error per type. */
class QuantizeTest {
    @TempDir
    Path dir;

    /** rwkv.cpp's Q5 files of the v7 model, from its FP32 file and from the official checkpoint: byte for byte. */
    @ParameterizedTest
    @CsvSource({"Q5_0, tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin", "Q5_1, tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin", "Q5_1, official/7v0-834K.pth"})
    void q5ReproducesRwkvCppsFiles(DType type, String source) throws IOException {
        Path out = dir.resolve("q.bin");
        ModelConverter.quantize(Fixtures.file(source), out, Target.RWKV_CPP, type, false, new LinkedHashMap<>(), Progress.NONE);
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-" + type + ".bin")));
    }

    /** Max-abs logit error against FP32 on the 64-byte prompt (measured: Q8_0 5.3e-4, Q5_1 2.6e-3, Q5_0 5.4e-3, Q4_1 9.5e-3, Q4_0 8.5e-3). */
    @ParameterizedTest
    @CsvSource({"Q8_0, 0.002", "Q5_1, 0.01", "Q5_0, 0.02", "Q4_1, 0.04", "Q4_0, 0.04"})
    void everyTypeInBothContainersStaysCloseToFp32(DType type, float tol) {
        Path pth = Fixtures.file("official/7v0-834K.pth");
        float[] ref = ConversionRoundTripTest.logits(pth);
        Path gguf = dir.resolve("q.gguf"), bin = dir.resolve("q.bin");
        ModelConverter.quantize(pth, gguf, Target.GGUF, type, false, new LinkedHashMap<>(), Progress.NONE);
        ModelConverter.quantize(pth, bin, Target.RWKV_CPP, type, false, new LinkedHashMap<>(), Progress.NONE);
        float[] g = ConversionRoundTripTest.logits(gguf), b = ConversionRoundTripTest.logits(bin);
        System.out.printf("7v0 %s: gguf %.3g, bin %.3g max abs vs FP32%n", type, maxAbs(g, ref), maxAbs(b, ref));
        // the same matrices are quantized the same way in both containers
        assertThat(maxAbs(g, b)).isLessThanOrEqualTo(1e-5f);
        assertThat(maxAbs(g, ref)).isLessThanOrEqualTo(tol).isGreaterThan(0f);
    }

    @Test
    void smallTensorsEmbeddingAndHeadStayFloatUnlessTheHeadIsAsked() {
        Path pth = Fixtures.file("official/7v0-834K.pth");
        Path gguf = dir.resolve("q.gguf"), head = dir.resolve("qh.gguf"), bin = dir.resolve("qh.bin");
        ModelConverter.quantize(pth, gguf, Target.GGUF, DType.Q4_0, false, new LinkedHashMap<>(), Progress.NONE);
        ModelConverter.quantize(pth, head, Target.GGUF, DType.Q4_0, true, new LinkedHashMap<>(), Progress.NONE);
        ModelConverter.quantize(pth, bin, Target.RWKV_CPP, DType.Q4_0, true, new LinkedHashMap<>(), Progress.NONE);
        try (GgufFile g = GgufFile.open(gguf); GgufFile h = GgufFile.open(head); RwkvCppFile b = RwkvCppFile.open(bin)) {
            assertThat(g.get("blk.3.time_mix_key.weight").type()).isEqualTo(DType.Q4_0);
            assertThat(g.get("blk.3.channel_mix_value.weight").type()).isEqualTo(DType.Q4_0);
            assertThat(g.get("blk.3.time_mix_w1.weight").type()).isEqualTo(DType.F32);
            assertThat(g.get("blk.3.time_mix_r_k.weight").type()).isEqualTo(DType.F32);
            assertThat(g.get("token_embd.weight").type()).isEqualTo(DType.BF16);        // the source's float type
            assertThat(g.get("output.weight").type()).isEqualTo(DType.BF16);
            assertThat(h.get("output.weight").type()).isEqualTo(DType.Q4_0);
            assertThat(h.metadata()).containsEntry("general.file_type", "2");
            assertThat(b.get("head.weight").type()).isEqualTo(DType.Q4_0);
            assertThat(b.get("emb.weight").type()).isEqualTo(DType.F32);
            assertThat(b.get("blocks.3.att.w1").type()).isEqualTo(DType.F32);
        }
    }
}
