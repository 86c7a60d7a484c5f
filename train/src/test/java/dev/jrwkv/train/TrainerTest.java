package dev.jrwkv.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jrwkv.format.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainerTest {

    /** "the quick brown fox ... " repeated: period 45 bytes, fully predictable after one period. */
    static byte[] repeating(int bytes) {
        byte[] unit = "the quick brown fox jumps over the lazy dog. ".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[bytes];
        for (int i = 0; i < bytes; i++) out[i] = unit[i % unit.length];
        return out;
    }

    static TrainConfig small(int steps) {
        return TrainConfig.byteLevel(2, 32, 32, 4, steps, 1e-2, 42)
                .withShape(new ModelShape(256, 2, 32, 16, 8, 8, 8, 16))
                .withThreads(2)
                .withValidation(0.1, 20, 2);
    }

    @Test
    void lossOnARepeatingTextFallsBelowPoint3NatsWithin60Steps() {
        List<StepMetrics> seen = new ArrayList<>();
        try (Trainer trainer = new Trainer(small(60), repeating(20_000))) {
            trainer.train(seen::add);
        }
        assertThat(seen).hasSize(60);
        assertThat(seen.getFirst().trainLoss()).isGreaterThan(5.0);          // ~ln 256 at the start
        StepMetrics last = seen.getLast();
        assertThat(last.trainLoss()).isLessThan(0.3);          // measured: 0.034 at step 60
        assertThat(last.valLoss()).isLessThan(0.3);
        assertThat(seen.get(5).valLoss()).isNaN();
        assertThat(seen.get(19).valLoss()).isFinite();
        assertThat(last.tokensPerSecond()).isPositive();
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        byte[] data = repeating(5_000);
        Parameters one, two;
        try (Trainer t = new Trainer(small(4).withThreads(1), data)) {
            t.train(m -> { });
            one = t.parameters();
        }
        try (Trainer t = new Trainer(small(4).withThreads(3), data)) {
            t.train(m -> { });
            two = t.parameters();
        }
        for (Param p : one.list()) assertThat(two.get(p.name()).data()).as(p.name()).containsExactly(p.data());
    }

    @Test
    void resumingFromASavedStateEqualsAnUninterruptedRun(@TempDir Path dir) throws Exception {
        byte[] data = repeating(5_000);
        TrainConfig cfg = small(6);
        Parameters straight;
        try (Trainer t = new Trainer(cfg, data)) {
            t.train(m -> { });
            straight = t.parameters();
        }
        Path state = dir.resolve("state.bin");
        try (Trainer t = new Trainer(cfg, data)) {
            for (int i = 0; i < 3; i++) t.step();
            t.saveState(state);
        }
        try (Trainer t = Trainer.resume(cfg, data, state)) {
            assertThat(t.completedSteps()).isEqualTo(3);
            t.train(m -> { });
            for (Param p : straight.list()) assertThat(t.parameters().get(p.name()).data()).as(p.name()).containsExactly(p.data());
        }
    }

    @Test
    void writesMetricsJsonl(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run/metrics.jsonl");
        try (Trainer t = new Trainer(small(3).withValidation(0.1, 2, 1), repeating(5_000)); MetricsJsonl log = new MetricsJsonl(file)) {
            t.train(log);
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(3);
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines.get(0)), second = json.readTree(lines.get(1));
        assertThat(first.get("step").asInt()).isEqualTo(1);
        assertThat(first.get("val_loss").isNull()).isTrue();
        assertThat(second.get("val_loss").asDouble()).isPositive();
        for (String key : List.of("train_loss", "lr", "grad_norm", "tokens_per_s")) assertThat(first.get(key).asDouble()).as(key).isPositive();
    }

    @Test
    void learningRateWarmsUpThenFollowsACosine() {
        TrainConfig cfg = small(100).withSchedule(1e-3, 10);
        assertThat(cfg.learningRate(0)).isCloseTo(1e-3, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(cfg.learningRate(9)).isCloseTo(1e-2, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(cfg.learningRate(10)).isCloseTo(1e-2, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(cfg.learningRate(99)).isCloseTo(1e-3, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(cfg.learningRate(50)).isBetween(1e-3, 1e-2);
    }

    @Test
    void refusesTooLittleDataAndBadStateFiles(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> new Trainer(small(1), repeating(30)))
                .isInstanceOf(CorpusException.class).hasMessageContaining("need at least ctx + 1 = 33");
        Path bad = dir.resolve("bad.bin");
        Files.write(bad, "JRWKVTRN\0\0\0\1".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> Trainer.resume(small(1), repeating(5_000), bad))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("bad.bin").hasMessageContaining("truncated");
        Files.write(bad, "NOTASTATEFILE".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> Trainer.resume(small(1), repeating(5_000), bad))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("bad magic");
        Path other = dir.resolve("other.bin");
        try (Trainer t = new Trainer(small(1).withShape(new ModelShape(256, 1, 32, 16, 8, 8, 8, 16)), repeating(5_000))) {
            t.saveState(other);
        }
        assertThatThrownBy(() -> Trainer.resume(small(1), repeating(5_000), other))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("state is for RWKV-7 L1");
    }
}
