package dev.jrwkv.model;

import dev.jrwkv.Fixtures;
import dev.jrwkv.format.ModelFiles;
import dev.jrwkv.format.RwkvCppLayout;
import dev.jrwkv.format.SafetensorsWriter;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.DType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Map;

import static dev.jrwkv.model.OfficialTrace.maxAbs;
import static org.assertj.core.api.Assertions.assertThat;

/** rwkv.cpp file -> official tensors -> safetensors written by us -> Model.load: the same logits. */
class FormatRoundTripTest {

    @ParameterizedTest
    @CsvSource({"7v0-834K-FP32, F32, 1e-5", "7v0-834K-FP32, BF16, 1e-5", "6v0-1m-FP32, F32, 1e-5", "6v0-1m-FP32, F16, 5e-2"})
    void safetensorsWrittenFromAnRwkvCppFileGivesTheSameLogits(String tag, DType type, float tol, @TempDir Path dir) throws Exception {
        Path src = Fixtures.file("tiny-rwkv/tiny-rwkv-" + tag + ".bin");
        Path out = dir.resolve("model.safetensors");
        try (TensorStore cpp = ModelFiles.open(src)) {
            SafetensorsWriter.write(out, RwkvCppLayout.toOfficial(cpp), type, Map.of("format", "pt"));
        }
        int[] prompt = SequenceModeTest.PROMPT;
        try (Model a = Model.load(src); Model b = Model.load(out)) {
            assertThat(b.config().layout()).isEqualTo(Layout.OFFICIAL);
            // bf16 is lossless for these bf16-trained weights; f16 rounds them
            assertThat(maxAbs(a.forward(prompt, a.newState()), b.forward(prompt, b.newState()))).isLessThanOrEqualTo(tol);
        }
    }
}
