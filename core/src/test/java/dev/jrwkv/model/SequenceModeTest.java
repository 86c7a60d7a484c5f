package dev.jrwkv.model;

import dev.jrwkv.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static dev.jrwkv.model.OfficialTrace.maxAbs;
import static dev.jrwkv.model.OfficialTrace.maxRel;
import static org.assertj.core.api.Assertions.assertThat;

/** Sequence mode (layer by layer over many tokens) equals RNN mode (one token at a time) within 1e-4. */
class SequenceModeTest {
    static final int[] PROMPT = "The little cat sat by the window and watched the rain fall down.".chars().toArray();

    @ParameterizedTest
    @ValueSource(strings = {"4v0-660K-FP32", "5v1-730K-FP32", "5v2-730K-FP32", "6v0-1m-FP32", "7v0-834K-FP32", "7v0-834K-Q5_1", "6v0-1m-FP16"})
    void sequenceEqualsRnn(String tag) {
        try (Model m = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-" + tag + ".bin"))) {
            State rnn = m.newState();
            float[][] rows = new float[PROMPT.length][];
            for (int t = 0; t < PROMPT.length; t++) rows[t] = m.step(PROMPT[t], rnn);

            State seq = m.newState();
            float[] last = m.forward(PROMPT, seq);
            assertThat(maxAbs(last, rows[PROMPT.length - 1])).isLessThanOrEqualTo(1e-4f);
            assertThat(maxRel(seq.toArray(), rnn.toArray())).isLessThanOrEqualTo(1e-4f);

            float[] all = m.forwardAll(PROMPT, m.newState());
            int v = m.config().vocab();
            for (int t = 0; t < PROMPT.length; t++) {
                assertThat(maxAbs(Arrays.copyOfRange(all, t * v, (t + 1) * v), rows[t])).as("position " + t).isLessThanOrEqualTo(1e-4f);
            }

            State chunked = m.newState();                                    // 16 + 24 + 24, as the official check
            m.forward(Arrays.copyOfRange(PROMPT, 0, 16), chunked);
            m.forward(Arrays.copyOfRange(PROMPT, 16, 40), chunked);
            float[] c = m.forward(Arrays.copyOfRange(PROMPT, 40, 64), chunked);
            assertThat(maxAbs(c, rows[PROMPT.length - 1])).isLessThanOrEqualTo(1e-4f);
            assertThat(maxRel(chunked.toArray(), rnn.toArray())).isLessThanOrEqualTo(1e-4f);
        }
    }

    /** A batch of sequences of different lengths, with states already in use, equals one call per sequence. */
    @ParameterizedTest
    @ValueSource(strings = {"4v0-660K-FP32", "5v2-730K-FP32", "6v0-1m-FP32", "7v0-834K-FP32"})
    void batchOfSequencesEqualsOneCallEach(String tag) {
        try (Model m = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-" + tag + ".bin"))) {
            int[][] warm = {Arrays.copyOfRange(PROMPT, 0, 5), Arrays.copyOfRange(PROMPT, 10, 12), Arrays.copyOfRange(PROMPT, 20, 31)};
            int[][] next = {Arrays.copyOfRange(PROMPT, 40, 41), Arrays.copyOfRange(PROMPT, 41, 50), Arrays.copyOfRange(PROMPT, 50, 52)};
            State[] solo = new State[3], batched = new State[3];
            float[][] expected = new float[3][];
            for (int i = 0; i < 3; i++) {
                solo[i] = m.newState();
                m.forward(warm[i], solo[i]);
                batched[i] = solo[i].copy();
                expected[i] = m.forward(next[i], solo[i]);
            }
            float[][] got = m.forwardBatch(next, batched);
            for (int i = 0; i < 3; i++) {
                assertThat(maxAbs(got[i], expected[i])).as("sequence " + i).isLessThanOrEqualTo(1e-4f);
                assertThat(maxRel(batched[i].toArray(), solo[i].toArray())).as("state " + i).isLessThanOrEqualTo(1e-4f);
            }
        }
    }
}
