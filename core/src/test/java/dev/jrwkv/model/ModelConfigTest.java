package dev.jrwkv.model;

import dev.jrwkv.Fixtures;
import dev.jrwkv.format.ModelFiles;
import dev.jrwkv.format.TensorStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Version and sizes come from tensor names and shapes alone (values from the fixtures README). */
class ModelConfigTest {

    @ParameterizedTest
    @CsvSource({
            "4v0-660K-FP32, V4, 4, 128, 1, 256",
            "4v0-660K-Q5_0, V4, 4, 128, 1, 256",
            "5v1-730K-FP16, V5_0, 12, 64, 8, 256",
            "5v2-730K-Q5_1, V5_2, 12, 64, 8, 256",
            "6v0-1m-FP32, V6, 12, 64, 8, 224",
            "6v0-3m-Q5_1, V6, 12, 128, 16, 448",
            "7v0-834K-FP16, V7, 12, 64, 1, 256",
    })
    void detectsVersionAndSizes(String tag, Version version, int layers, int embd, int heads, int ffn) {
        try (TensorStore store = ModelFiles.open(Fixtures.file("tiny-rwkv/tiny-rwkv-" + tag + ".bin"))) {
            ModelConfig c = ModelConfig.detect(store);
            assertThat(c.version()).isEqualTo(version);
            assertThat(c.layout()).isEqualTo(Layout.RWKV_CPP);
            assertThat(c.layers()).isEqualTo(layers);
            assertThat(c.embd()).isEqualTo(embd);
            assertThat(c.heads()).isEqualTo(heads);
            assertThat(c.headSize() * c.heads()).isEqualTo(embd);
            assertThat(c.vocab()).isEqualTo(256);
            assertThat(c.ffnDim()).isEqualTo(ffn);
            switch (version) {
                case V6 -> assertThat(c.loraRanks()).containsEntry("maa", 32).containsEntry("decay", 64);
                case V7 -> assertThat(c.loraRanks()).containsEntry("w", 32).containsEntry("a", 32).containsEntry("v", 32).containsEntry("g", 32);
                default -> assertThat(c.loraRanks()).isEmpty();
            }
        }
    }
}
