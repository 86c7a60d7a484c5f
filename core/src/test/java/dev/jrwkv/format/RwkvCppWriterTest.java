package dev.jrwkv.format;

import dev.jrwkv.Fixtures;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.QuantRounding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** rwkv.cpp files written by us are byte-identical to rwkv.cpp's own. */
class RwkvCppWriterTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"4v0-660K-FP32", "4v0-660K-FP16", "5v2-730K-Q5_1", "6v0-1m-FP16", "6v0-3m-Q5_1", "7v0-834K-FP32", "7v0-834K-Q5_0"})
    void copyIsByteIdentical(String tag) throws IOException {
        Path src = Fixtures.file("tiny-rwkv/tiny-rwkv-" + tag + ".bin");
        Path out = dir.resolve("copy.bin");
        try (RwkvCppFile f = RwkvCppFile.open(src)) {
            RwkvCppWriter.copy(f, out);
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(src));
    }

    /**
     * ggml's reference Q5 quantizers, reimplemented, reproduce all ten Q5 files from their FP32
     * originals. Rounding: {@code 6v0-1m-Q5_0} was made with a fused multiply-add, {@code 7v0-834K-Q5_0}
     * without; the others come out the same either way (tested both ways).
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
            "4v0-660K, Q5_0, SEPARATE", "4v0-660K, Q5_0, FUSED", "4v0-660K, Q5_1, SEPARATE", "4v0-660K, Q5_1, FUSED",
            "5v1-730K, Q5_0, SEPARATE", "5v1-730K, Q5_0, FUSED", "5v1-730K, Q5_1, SEPARATE", "5v1-730K, Q5_1, FUSED",
            "5v2-730K, Q5_0, SEPARATE", "5v2-730K, Q5_0, FUSED", "5v2-730K, Q5_1, SEPARATE", "5v2-730K, Q5_1, FUSED",
            "6v0-1m, Q5_0, FUSED", "6v0-1m, Q5_1, SEPARATE", "6v0-1m, Q5_1, FUSED",
            "7v0-834K, Q5_0, SEPARATE", "7v0-834K, Q5_1, SEPARATE", "7v0-834K, Q5_1, FUSED"})
    void quantizingFp32ReproducesRwkvCppFiles(String tag, DType type, QuantRounding rounding) throws IOException {
        Path fp32 = Fixtures.file("tiny-rwkv/tiny-rwkv-" + tag + "-FP32.bin");
        Path expected = Fixtures.file("tiny-rwkv/tiny-rwkv-" + tag + "-" + type + ".bin");
        Path out = dir.resolve("q.bin");
        try (RwkvCppFile f = RwkvCppFile.open(fp32)) {
            RwkvCppWriter.quantize(f, out, type, rounding);
        }
        assertThat(Files.mismatch(out, expected)).as("first differing byte").isEqualTo(-1L);
    }

    /** The tie subtlety is real: the wrong rounding mode does not reproduce these two files. */
    @ParameterizedTest
    @CsvSource({"6v0-1m, SEPARATE", "7v0-834K, FUSED"})
    void wrongRoundingModeDiffers(String tag, QuantRounding rounding) throws IOException {
        Path fp32 = Fixtures.file("tiny-rwkv/tiny-rwkv-" + tag + "-FP32.bin");
        Path expected = Fixtures.file("tiny-rwkv/tiny-rwkv-" + tag + "-Q5_0.bin");
        Path out = dir.resolve("q.bin");
        try (RwkvCppFile f = RwkvCppFile.open(fp32)) {
            RwkvCppWriter.quantize(f, out, DType.Q5_0, rounding);
        }
        assertThat(Files.mismatch(out, expected)).isNotEqualTo(-1L);
    }

    /** rwkv.cpp v6/v7 tensors → official → the converter's transformations → the same bytes. */
    @ParameterizedTest
    @ValueSource(strings = {"6v0-1m-FP32", "6v0-1m-FP16", "7v0-834K-FP32", "7v0-834K-FP16"})
    void officialRoundTripThroughTheConverterTransformsIsByteIdentical(String tag) throws IOException {
        Path src = Fixtures.file("tiny-rwkv/tiny-rwkv-" + tag + ".bin");
        Path out = dir.resolve("conv.bin");
        DType type = tag.endsWith("FP16") ? DType.F16 : DType.F32;
        try (TensorStore official = RwkvCppLayout.toOfficial(RwkvCppFile.open(src))) {
            assertThat(official.contains("blocks.0.att.time_maa_x") || official.contains("blocks.0.att.x_r")).isTrue();
            RwkvCppWriter.fromOfficial(official, out, type);
        }
        assertThat(Files.mismatch(out, src)).as("first differing byte").isEqualTo(-1L);
    }

    @Test
    void v4FilesCannotBeTurnedBackIntoOfficialTensors() {
        Path src = Fixtures.file("tiny-rwkv/tiny-rwkv-4v0-660K-FP32.bin");
        try (RwkvCppFile f = RwkvCppFile.open(src)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> RwkvCppLayout.toOfficial(f))
                    .isInstanceOf(ModelFormatException.class).hasMessageContaining("RWKV-7");
        }
    }
}
