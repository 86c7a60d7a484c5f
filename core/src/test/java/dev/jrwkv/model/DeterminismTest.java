package dev.jrwkv.model;

import dev.jrwkv.Fixtures;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same calls give the same bits, every time (from the first, interpreted call to compiled code):
 * seeded sampling and the server's "batched equals solo" promise depend on it.
 */
class DeterminismTest {
    @Test
    void sameCallsSameBits() {
        try (Model m = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"))) {
            for (int rep = 0; rep < 5; rep++) {
                State a = m.newState(), b = m.newState();
                float[] la = m.forward(SequenceModeTest.PROMPT, a), lb = m.forward(SequenceModeTest.PROMPT, b);
                assertThat(lb).as("forward rep " + rep).isEqualTo(la);
                for (int i = 0; i < 40; i++) {
                    la = m.step(i + 32, a);
                    lb = m.step(i + 32, b);
                    assertThat(lb).as("step " + i + " rep " + rep).isEqualTo(la);
                }
            }
        }
    }
}
