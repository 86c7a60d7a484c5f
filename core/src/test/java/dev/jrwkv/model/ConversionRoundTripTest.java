package dev.jrwkv.model;

import dev.jrwkv.Fixtures;
import dev.jrwkv.JrwkvException;
import dev.jrwkv.format.GgufFile;
import dev.jrwkv.format.SafetensorsFile;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.model.ModelConverter.Progress;
import dev.jrwkv.model.ModelConverter.Target;
import dev.jrwkv.tensor.DType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.jrwkv.model.OfficialTrace.maxAbs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every reader/writer pair through {@link ModelConverter}: the official v7 checkpoint is written in
 * every format (A), each of those is converted to every format again (B), and every B gives the
 * logits of the official checkpoint (lossless: every weight is bf16-representable and the writers
 * get F32 or the source's bf16).
 */
class ConversionRoundTripTest {
    private static final float LOSSLESS = 1e-5f;
    private static final int[] PROMPT = SequenceModeTest.PROMPT;

    @TempDir
    static Path dir;
    static Path pth;
    static float[] reference;
    static final Map<Target, Path> sources = new EnumMap<>(Target.class);

    @BeforeAll
    static void writeEveryFormat() {
        pth = Fixtures.file("official/7v0-834K.pth");
        reference = logits(pth);
        for (Target t : Target.values()) {
            Path out = dir.resolve("a-" + name(t));
            ModelConverter.convert(pth, out, t, DType.F32, new LinkedHashMap<>(), Progress.NONE);
            sources.put(t, out);
        }
    }

    private static String name(Target t) {
        return switch (t) {
            case HF -> "hf-folder";
            case RWKV_CPP -> "model.bin";
            case PYTORCH -> "model.pth";
            case WEB_RWKV -> "model.st";
            default -> "model." + t.formatName();
        };
    }

    static float[] logits(Path model) {
        try (Model m = Model.load(model)) {
            return m.forward(PROMPT, m.newState());
        }
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void everyFormatWrittenFromTheOfficialCheckpointGivesItsLogits(Target t) {
        assertThat(maxAbs(logits(sources.get(t)), reference)).as(t.formatName()).isLessThanOrEqualTo(LOSSLESS);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void everyFormatConvertsToEveryOther(Target from) {
        List<String> worst = new ArrayList<>();
        for (Target to : Target.values()) {
            Path out = dir.resolve("b-" + from.formatName() + "-" + name(to));
            ModelConverter.convert(sources.get(from), out, to, null, new LinkedHashMap<>(), Progress.NONE);
            float d = maxAbs(logits(out), reference);
            worst.add(to.formatName() + "=" + d);
            assertThat(d).as(from.formatName() + " -> " + to.formatName()).isLessThanOrEqualTo(LOSSLESS);
        }
        System.out.println("7v0 " + from.formatName() + " -> " + worst);
    }

    @Test
    void layoutsAreDetectedFromTheirContent() throws IOException {
        try (TensorStore hf = SafetensorsFile.open(sources.get(Target.HF).resolve("model.safetensors"))) {
            assertThat(HfRwkv7Names.matches(hf)).isTrue();
            assertThat(hf.get("model.layers.1.attn.w_lora.lora.0.weight").shape()).containsExactly(32, 64);
            assertThat(hf.get("model.layers.1.attn.w_lora.lora.2.bias").shape()).containsExactly(64);
            assertThat(hf.get("model.layers.1.attn.x_r").shape()).containsExactly(1, 1, 64);
            assertThat(hf.contains("model.layers.0.attn.v_lora.lora.0.weight")).isFalse();
            assertThat(hf.get("lm_head.weight").shape()).containsExactly(256, 64);
        }
        assertThat(Files.readString(sources.get(Target.HF).resolve("config.json"))).contains("\"RWKV7ForCausalLM\"", "\"hidden_size\" : 64");
        try (TensorStore st = SafetensorsFile.open(sources.get(Target.WEB_RWKV))) {
            assertThat(WebRwkvNames.matches(st)).isTrue();
            assertThat(HfRwkv7Names.matches(st)).isFalse();
            assertThat(st.get("blocks.0.att.w1").shape()).containsExactly(32, 64);
        }
        try (TensorStore official = SafetensorsFile.open(sources.get(Target.SAFETENSORS))) {
            assertThat(WebRwkvNames.matches(official)).isFalse();
            assertThat(official.get("blocks.0.att.w1").shape()).containsExactly(64, 32);
        }
        try (GgufFile g = GgufFile.open(sources.get(Target.GGUF))) {
            assertThat(g.metadata()).containsEntry("general.architecture", "rwkv7");
        }
    }

    /** rwkv.cpp FP32 v6 -> each format that holds v6 -> the same logits; GGUF and HF say they hold RWKV-7 only. */
    @ParameterizedTest
    @CsvSource({"SAFETENSORS, model.safetensors", "PYTORCH, model.pth", "RWKV_CPP, model.bin", "WEB_RWKV, model.st"})
    void rwkv6RoundTrips(Target target, String file) {
        Path bin = Fixtures.file("tiny-rwkv/tiny-rwkv-6v0-1m-FP32.bin");
        Path a = dir.resolve("v6-a-" + file), b = dir.resolve("v6-b-" + file);
        ModelConverter.convert(bin, a, target, DType.F32, new LinkedHashMap<>(), Progress.NONE);
        ModelConverter.convert(a, b, target, null, new LinkedHashMap<>(), Progress.NONE);
        float[] ref = logits(bin);
        assertThat(maxAbs(logits(a), ref)).isLessThanOrEqualTo(LOSSLESS);
        assertThat(maxAbs(logits(b), ref)).isLessThanOrEqualTo(LOSSLESS);
    }

    @Test
    void unsupportedTargetsAreNamed() {
        Path v6 = Fixtures.file("tiny-rwkv/tiny-rwkv-6v0-1m-FP32.bin");
        Path v4 = Fixtures.file("tiny-rwkv/tiny-rwkv-4v0-660K-FP32.bin");
        var none = new LinkedHashMap<String, dev.jrwkv.format.GgufValue>();
        assertThatThrownBy(() -> ModelConverter.convert(v6, dir.resolve("x.gguf"), Target.GGUF, null, none, Progress.NONE))
                .isInstanceOf(JrwkvException.class).hasMessageContaining("GGUF export").hasMessageContaining("RWKV-6");
        assertThatThrownBy(() -> ModelConverter.convert(v6, dir.resolve("hf6"), Target.HF, null, none, Progress.NONE))
                .isInstanceOf(JrwkvException.class).hasMessageContaining("RWKV-7").hasMessageContaining("RWKV-6");
        assertThatThrownBy(() -> ModelConverter.convert(v4, dir.resolve("x.pth"), Target.PYTORCH, null, none, Progress.NONE))
                .isInstanceOf(JrwkvException.class).hasMessageContaining("RWKV-4").hasMessageContaining("only .bin");
        assertThatThrownBy(() -> ModelConverter.convert(pth, dir.resolve("x.bin"), Target.RWKV_CPP, DType.BF16, none, Progress.NONE))
                .isInstanceOf(JrwkvException.class).hasMessageContaining("bf16");
        assertThatThrownBy(() -> ModelConverter.quantize(pth, dir.resolve("x.pth"), Target.PYTORCH, DType.Q8_0, false, none, Progress.NONE))
                .isInstanceOf(JrwkvException.class).hasMessageContaining("pth");
        assertThatThrownBy(() -> Target.choose(Path.of("model.onnx"), null)).isInstanceOf(JrwkvException.class).hasMessageContaining("model.onnx");
        assertThatThrownBy(() -> Target.choose(Path.of("x.bin"), "onnx")).isInstanceOf(JrwkvException.class).hasMessageContaining("'onnx'");
    }

    /** v4 .bin -> .bin F16: the rwkv.cpp layout is kept, matrices halved; equals rwkv.cpp's own FP16 file. */
    @Test
    void rwkv4BinToF16BinEqualsRwkvCppsFp16File() throws IOException {
        Path out = dir.resolve("4v0-f16.bin");
        ModelConverter.convert(Fixtures.file("tiny-rwkv/tiny-rwkv-4v0-660K-FP32.bin"), out, Target.RWKV_CPP, DType.F16, new LinkedHashMap<>(), Progress.NONE);
        float[] ours = logits(out), theirs = logits(Fixtures.file("tiny-rwkv/tiny-rwkv-4v0-660K-FP16.bin"));
        assertThat(maxAbs(ours, theirs)).isLessThanOrEqualTo(LOSSLESS);
    }
}
