package dev.jrwkv.model;

import dev.jrwkv.Fixtures;
import dev.jrwkv.tensor.ScalarBackend;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

import static dev.jrwkv.model.OfficialTrace.maxAbs;
import static dev.jrwkv.model.OfficialTrace.maxRel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A prompt longer than {@link RwkvModel#MAX_ROWS} is read in slices: the same logits and state as one
 * token at a time, the head computed for the last token only, and memory that does not grow with
 * the prompt times the vocabulary.
 */
class LongPromptTest {
    private static final int T = 3 * RwkvModel.MAX_ROWS + 17;

    private static int[] prompt(int vocab) {
        int[] t = new int[T];
        for (int i = 0; i < T; i++) t[i] = (i * 7919 + 13) % Math.min(vocab, 256);
        return t;
    }

    @Test
    void slicedPromptEqualsOneTokenAtATime() {
        try (Model m = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"), new ScalarBackend())) {
            int[] tokens = prompt(m.config().vocab());
            State rnn = m.newState();
            float[] expected = null;
            for (int token : tokens) expected = m.step(token, rnn);

            State seq = m.newState();
            float[] last = m.forward(tokens, seq);
            assertThat(last).hasSize(m.config().vocab());
            assertThat(maxAbs(last, expected)).isLessThanOrEqualTo(1e-4f);
            assertThat(maxRel(seq.toArray(), rnn.toArray())).isLessThanOrEqualTo(1e-4f);

            float[] all = m.forwardAll(tokens, m.newState());                 // perplexity still gets every position
            int v = m.config().vocab();
            assertThat(all).hasSize(T * v);
            assertThat(maxAbs(Arrays.copyOfRange(all, (T - 1) * v, T * v), expected)).isLessThanOrEqualTo(1e-4f);
        }
    }

    @Test
    void prefillDoesNotAllocateLogitsForEveryToken() {
        try (Model m = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"), new ScalarBackend())) {
            int[] tokens = prompt(m.config().vocab());
            // interpreted Vector API code (the WKV kernels) allocates a box per vector operation until
            // the JIT compiles it: warm both up, then take each one's smallest allocation of a few runs
            for (int i = 0; i < 3; i++) {
                m.forward(tokens, m.newState());
                m.forwardAll(tokens, m.newState());
            }
            long forward = Long.MAX_VALUE, forwardAll = Long.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                forward = Math.min(forward, allocatedBy(() -> m.forward(tokens, m.newState())));
                forwardAll = Math.min(forwardAll, allocatedBy(() -> m.forwardAll(tokens, m.newState())));
            }
            long allLogits = 4L * T * m.config().vocab();
            // forwardAll holds T x vocab logits (its result, and each slice's head output); forward
            // computes the head for one row, so it allocates about 2 x T x vocab floats less
            assertThat(forwardAll - forward).as("bytes forwardAll allocates beyond forward").isGreaterThan(allLogits * 3 / 2);
        }
    }

    /** Bytes allocated on this thread (the scalar backend computes on the caller's thread). */
    private static long allocatedBy(Runnable r) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(tid);
        r.run();
        return threads.getThreadAllocatedBytes(tid) - before;
    }

    @Test
    void aBadTokenLeavesTheStateUntouched() {
        try (Model m = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"), new ScalarBackend())) {
            int[] tokens = prompt(m.config().vocab());
            tokens[T - 1] = m.config().vocab();
            State s = m.newState();
            assertThatThrownBy(() -> m.forward(tokens, s)).hasMessageContaining("token id " + m.config().vocab());
            assertThat(s.toArray()).containsOnly(0f);
        }
    }
}
