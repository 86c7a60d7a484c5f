package dev.jrwkv.model;

import dev.jrwkv.Fixtures;
import dev.jrwkv.tensor.ScalarBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.jrwkv.model.OfficialTrace.maxAbs;
import static dev.jrwkv.model.OfficialTrace.maxRel;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every version against the official implementation's traces, in RNN mode, at every position of the
 * 64-byte prompt and of the 32-step greedy continuation, and the full state after both. Tolerance:
 * 1e-4 max-abs on logits (the fixtures measured the official code against independent float64
 * re-implementations at under 1e-5, so 1e-4 leaves room only for float32 summation order), 1e-4
 * relative on states.
 */
class OfficialParityTest {
    static final float LOGIT_TOL = 1e-4f;
    static final float STATE_TOL = 1e-4f;

    @ParameterizedTest(name = "{0} from {1}")
    @CsvSource({
            "4v0-660K, tiny-rwkv/tiny-rwkv-4v0-660K-FP32.bin",
            "5v1-730K, tiny-rwkv/tiny-rwkv-5v1-730K-FP32.bin",
            "5v2-730K, tiny-rwkv/tiny-rwkv-5v2-730K-FP32.bin",
            "6v0-1m, tiny-rwkv/tiny-rwkv-6v0-1m-FP32.bin",
            "7v0-834K, tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin",
            // no FP32 file exists for 6v0-3m; the official code ran on exactly these dequantized weights
            "6v0-3m-Q5_1-dequant, tiny-rwkv/tiny-rwkv-6v0-3m-Q5_1.bin",
    })
    void rnnModeMatchesOfficialTraceAtEveryPosition(String trace, String file) {
        // the reference kernels and the fast ones, at the same tolerance
        try (Model m = Model.load(Fixtures.file(file), new ScalarBackend())) {
            checkTrace(m, OfficialTrace.load(trace));
        }
        try (Model m = Model.load(Fixtures.file(file))) {
            checkTrace(m, OfficialTrace.load(trace));
        }
    }

    private static void checkTrace(Model m, OfficialTrace tr) {
        {
            State s = m.newState();
            float worst = 0f;
            float[] logits = null;
            for (int t = 0; t < tr.promptIds().length; t++) {
                logits = m.step(tr.promptIds()[t], s);
                worst = Math.max(worst, maxAbs(logits, tr.promptLogits()[t]));
            }
            assertThat(worst).as("prompt logits max abs").isLessThanOrEqualTo(LOGIT_TOL);
            assertThat(maxRel(s.toArray(), tr.stateAfterPrompt())).as("state after prompt").isLessThanOrEqualTo(STATE_TOL);

            worst = 0f;
            for (int k = 0; k < tr.greedyIds().length; k++) {
                assertThat(argmax(logits)).as("greedy token " + k).isEqualTo(tr.greedyIds()[k]);
                logits = m.step(tr.greedyIds()[k], s);
                worst = Math.max(worst, maxAbs(logits, tr.greedyLogits()[k]));
            }
            assertThat(worst).as("greedy logits max abs").isLessThanOrEqualTo(LOGIT_TOL);
            assertThat(maxRel(s.toArray(), tr.stateAfterGreedy())).as("state after greedy").isLessThanOrEqualTo(STATE_TOL);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"4v0-660K, tiny-rwkv/tiny-rwkv-4v0-660K-FP32.bin", "7v0-834K, tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin",
            "6v0-1m, tiny-rwkv/tiny-rwkv-6v0-1m-FP32.bin", "5v2-730K, tiny-rwkv/tiny-rwkv-5v2-730K-FP32.bin"})
    void quoteInMatchesOfficialFromAFreshState(String trace, String file) {
        OfficialTrace tr = OfficialTrace.load(trace);
        try (Model m = Model.load(Fixtures.file(file))) {
            State s = m.newState();
            float[] logits = null;
            for (int b : new int[] {0x22, 0x69, 0x6E}) logits = m.step(b, s);
            assertThat(maxAbs(logits, tr.quoteIn())).isLessThanOrEqualTo(LOGIT_TOL);
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** The official-format checkpoints (bf16 .pth and .safetensors) give the logits of the rwkv.cpp FP32 file. */
    @ParameterizedTest
    @CsvSource({"official/7v0-834K.pth", "official/7v0-834K.safetensors"})
    void officialCheckpointsGiveTheSameLogitsAsTheRwkvCppFile(String file) {
        OfficialTrace tr = OfficialTrace.load("7v0-834K");
        try (Model official = Model.load(Fixtures.file(file));
             Model cpp = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"))) {
            assertThat(official.config().layout()).isEqualTo(Layout.OFFICIAL);
            assertThat(official.config().withLayout(Layout.RWKV_CPP)).isEqualTo(cpp.config());
            assertThat(official.fingerprint()).isEqualTo(cpp.fingerprint());
            State a = official.newState(), b = cpp.newState();
            for (int t = 0; t < tr.promptIds().length; t++) {
                float[] la = official.step(tr.promptIds()[t], a);
                float[] lb = cpp.step(tr.promptIds()[t], b);
                assertThat(maxAbs(la, lb)).as("position " + t).isLessThanOrEqualTo(LOGIT_TOL);
                assertThat(maxAbs(la, tr.promptLogits()[t])).as("position " + t + " vs official").isLessThanOrEqualTo(LOGIT_TOL);
            }
            assertThat(maxRel(a.toArray(), b.toArray())).isLessThanOrEqualTo(STATE_TOL);
        }
    }
}
