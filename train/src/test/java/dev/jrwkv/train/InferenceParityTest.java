package dev.jrwkv.train;

import dev.jrwkv.model.Model;
import dev.jrwkv.tensor.DType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The trainer's forward equals the inference model ({@code dev.jrwkv.model.Rwkv7}) on the same
 * weights: max-abs logit difference below 1e-4, for each sequence of a batch, across a chunk boundary.
 */
class InferenceParityTest {
    static final ModelShape SHAPE = new ModelShape(40, 3, 32, 16, 8, 8, 8, 16);
    static final int B = 2, T = 37;
    static Parallel pool;

    @BeforeAll
    static void start() {
        pool = new Parallel(2);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    @Test
    void trainerLogitsEqualInferenceLogits() {
        Parameters p = TestModels.randomized(SHAPE, 5);
        try (Model model = InferenceModels.rwkv7(Checkpoints.tensors(p, DType.F32))) {
            assertThat(maxAbsDiff(p, model)).isLessThan(1e-4);
        }
    }

    @Test
    void writtenSafetensorsLoadAsTheSameModel(@TempDir Path dir) {
        Parameters p = TestModels.randomized(SHAPE, 6);
        Path file = dir.resolve("trained.safetensors");
        Checkpoints.writeSafetensors(file, p, DType.F32, Map.of("step", "0"));
        try (Model model = Model.load(file)) {
            assertThat(model.config().summary()).startsWith("RWKV-7 L3 D32 H2xN16 V40 ffn128");
            assertThat(maxAbsDiff(p, model)).isLessThan(1e-4);
        }
    }

    private static double maxAbsDiff(Parameters p, Model model) {
        TrainableRwkv7 net = new TrainableRwkv7(p, B, T, pool);
        int[] tokens = TestModels.randomTokens(B * T, SHAPE.vocab(), 9);
        net.forward(tokens, tokens);
        float[] trained = net.logits();
        int V = SHAPE.vocab();
        double max = 0;
        for (int b = 0; b < B; b++) {
            float[] expected = model.forwardAll(Arrays.copyOfRange(tokens, b * T, (b + 1) * T), model.newState());
            for (int i = 0; i < T * V; i++) max = Math.max(max, Math.abs(expected[i] - trained[b * T * V + i]));
        }
        return max;
    }
}
