package dev.jrwkv.train;

import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import dev.jrwkv.model.StateTuning;
import dev.jrwkv.tensor.DType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fine-tuning: loading a checkpoint into the trainer, state tuning (gradient, file, inference),
 * carried states (truncated BPTT) and LoRA (merged equals applied).
 */
class FineTuningTest {
    static final ModelShape SHAPE = new ModelShape(256, 2, 32, 16, 8, 8, 8, 16);
    static Parallel pool;

    @BeforeAll
    static void start() {
        pool = new Parallel(2);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    private static TrainConfig config(int steps) {
        return TrainConfig.byteLevel(2, 32, 24, 2, steps, 1e-2, 3).withShape(SHAPE).withThreads(2).withValidation(0.1, 0, 1);
    }

    @Test
    void aCheckpointLoadsBackIntoTheSameParameters(@TempDir Path dir) {
        Parameters p = TestModels.randomized(SHAPE, 11);
        Path file = dir.resolve("m.safetensors");
        Checkpoints.writeSafetensors(file, p, DType.F32, Map.of());
        Parameters back = PretrainedParameters.load(file);
        assertThat(back.shape()).isEqualTo(SHAPE);
        for (Param q : p.list()) assertThat(back.get(q.name()).data()).as(q.name()).containsExactly(q.data());
    }

    @Test
    void initialStateGradientMatchesFiniteDifferences() {
        Parameters p = TestModels.randomized(TestModels.TINY, 4);
        int B = 2, T = 9;
        TrainableRwkv7 net = new TrainableRwkv7(p, B, T, pool);
        int[] in = TestModels.randomTokens(B * T, 24, 1), out = TestModels.randomTokens(B * T, 24, 2);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        for (int l = 0; l < 2; l++) {
            float[] s = net.initialState(l);
            for (int i = 0; i < s.length; i++) s[i] = (float) (0.3 * rng.nextGaussian());
        }
        net.forward(in, out);
        net.backward();
        float[] analytic = net.initialStateGradient(1).clone();
        float[] s = net.initialState(1);
        double worst = 0;
        for (int i : new int[] {0, 7, 63, 100, 200, s.length - 1}) {
            float x = s[i];
            double eps = 1e-2;
            s[i] = (float) (x + eps);
            double up = net.forward(in, out);
            s[i] = (float) (x - eps);
            double down = net.forward(in, out);
            s[i] = x;
            double numeric = (up - down) / (2 * eps);
            worst = Math.max(worst, Math.abs(numeric - analytic[i]) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic[i])));
        }
        assertThat(worst).isLessThan(2e-2);
    }

    @Test
    void carriedChunksEqualOneLongSequence() {
        Parameters p = TestModels.randomized(SHAPE, 12);
        int[] tokens = TestModels.randomTokens(2 * 40, 256, 3);
        TrainableRwkv7 whole = new TrainableRwkv7(p, 1, 80, pool);
        whole.forward(Arrays.copyOf(tokens, 80), Arrays.copyOf(tokens, 80));
        float[] expected = whole.logits().clone();
        TrainableRwkv7 chunked = new TrainableRwkv7(p, 1, 40, pool);
        double max = 0;
        for (int c = 0; c < 2; c++) {
            int[] part = Arrays.copyOfRange(tokens, c * 40, c * 40 + 40);
            chunked.forward(part, part);
            for (int i = 0; i < 40 * 256; i++) max = Math.max(max, Math.abs(chunked.logits()[i] - expected[c * 40 * 256 + i]));
            chunked.carryOver();
        }
        assertThat(max).isLessThan(1e-4);
    }

    @Test
    void carryStateTrainingLowersTheLoss() {
        byte[] data = TrainerTest.repeating(6_000);
        try (Trainer t = new Trainer(config(40), Trainer.bytes(data), null, TrainMode.full().withCarryState(true))) {
            double first = t.step().trainLoss();
            StepMetrics last = null;
            while (t.completedSteps() < 40) last = t.step();
            assertThat(last.trainLoss()).isLessThan(first - 2);
        }
    }

    @Test
    void stateTuningTrainsOnlyTheStateAndTheFileChangesInference(@TempDir Path dir) {
        Parameters p = TestModels.randomized(SHAPE, 13);
        Path model = dir.resolve("base.safetensors");
        Checkpoints.writeSafetensors(model, p, DType.F32, Map.of());
        Parameters before = PretrainedParameters.load(model);
        Path stateFile = dir.resolve("state.safetensors");
        try (Trainer t = new Trainer(config(15), Trainer.bytes(TrainerTest.repeating(3_000)), PretrainedParameters.load(model), TrainMode.stateTuning())) {
            double first = t.step().trainLoss();
            StepMetrics last = null;
            while (t.completedSteps() < 15) last = t.step();
            assertThat(last.trainLoss()).isLessThan(first);
            for (Param q : before.list()) assertThat(t.parameters().get(q.name()).data()).as(q.name()).containsExactly(q.data());
            t.tunedState().save(stateFile);

            // the inference model from the tuned state gives the trainer's logits from that state
            int[] tokens = TestModels.randomTokens(24, 256, 8);
            TrainableRwkv7 net = new TrainableRwkv7(t.parameters(), 1, 24, pool);
            for (int l = 0; l < SHAPE.layers(); l++) System.arraycopy(t.tunedState().layer(l), 0, net.initialState(l), 0, t.tunedState().layer(l).length);
            net.forward(tokens, tokens);
            try (Model m = Model.load(model)) {
                State tunedState = StateTuning.load(stateFile, m);
                float[] tuned = m.forwardAll(tokens, tunedState);
                float[] plain = m.forwardAll(tokens, m.newState());
                double diff = 0, vsTrainer = 0;
                for (int i = 0; i < tuned.length; i++) {
                    diff = Math.max(diff, Math.abs(tuned[i] - plain[i]));
                    vsTrainer = Math.max(vsTrainer, Math.abs(tuned[i] - net.logits()[i]));
                }
                assertThat(diff).isGreaterThan(1e-2);
                assertThat(vsTrainer).isLessThan(1e-4);
            }
        }
    }

    @Test
    void loraMergedEqualsLoraApplied(@TempDir Path dir) {
        Parameters p = TestModels.randomized(SHAPE, 14);
        Path base = dir.resolve("base.safetensors"), adapters = dir.resolve("lora.safetensors"), merged = dir.resolve("merged.safetensors");
        Checkpoints.writeSafetensors(base, p, DType.F32, Map.of());
        try (Trainer t = new Trainer(config(12), Trainer.bytes(TrainerTest.repeating(3_000)), PretrainedParameters.load(base), TrainMode.lora(4))) {
            double first = t.step().trainLoss();
            StepMetrics last = null;
            while (t.completedSteps() < 12) last = t.step();
            assertThat(last.trainLoss()).isLessThan(first);
            t.lora().save(adapters);
            t.saveModel(merged, DType.F32);
            // small parameters are frozen under LoRA
            assertThat(t.parameters().get("blocks.1.att.w0").data()).containsExactly(p.get("blocks.1.att.w0").data());
            assertThat(t.parameters().get("blocks.1.att.key.weight").data()).isNotEqualTo(p.get("blocks.1.att.key.weight").data());
        }
        // applied at load: base weights + the adapter file, in the trainer; merged: the file written
        Parameters applied = PretrainedParameters.load(base);
        LoraAdapters.load(adapters, applied).merge(applied);
        int[] tokens = TestModels.randomTokens(30, 256, 9);
        TrainableRwkv7 net = new TrainableRwkv7(applied, 1, 30, pool);
        net.forward(tokens, tokens);
        try (Model m = Model.load(merged)) {
            float[] logits = m.forwardAll(tokens, m.newState());
            double max = 0;
            for (int i = 0; i < logits.length; i++) max = Math.max(max, Math.abs(logits[i] - net.logits()[i]));
            assertThat(max).isLessThan(1e-4);
        }
    }

    @Test
    void loraFileForAnotherModelIsRefused(@TempDir Path dir) {
        Path adapters = dir.resolve("lora.safetensors");
        LoraAdapters.create(TestModels.randomized(SHAPE, 1), 4, 1).save(adapters);
        Parameters other = TestModels.randomized(new ModelShape(256, 2, 48, 16, 8, 8, 8, 16), 1);
        assertThatThrownBy(() -> LoraAdapters.load(adapters, other)).hasMessageContaining("lora.safetensors").hasMessageContaining("elements");
    }
}
