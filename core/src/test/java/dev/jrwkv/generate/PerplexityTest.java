package dev.jrwkv.generate;

import dev.jrwkv.Fixtures;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PerplexityTest {

    @Test
    void chunkingDoesNotChangeTheResultAndMatchesAStepByStepSum() {
        byte[] text = "The little cat sat by the window and watched the rain fall down. It was a long day.".getBytes(StandardCharsets.US_ASCII);
        int[] tokens = new int[text.length];
        for (int i = 0; i < text.length; i++) tokens[i] = text[i];
        try (Model m = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"))) {
            List<Long> progress = new ArrayList<>();
            Perplexity.Result whole = Perplexity.evaluate(m, tokens, text.length, 1000, progress::add);
            Perplexity.Result chunked = Perplexity.evaluate(m, tokens, text.length, 7, d -> { });
            assertThat(progress).containsExactly((long) tokens.length - 1);
            assertThat(chunked.nllPerToken()).isCloseTo(whole.nllPerToken(), within(1e-5));

            // reference: RNN steps, log-softmax by hand
            State s = m.newState();
            double nll = 0;
            for (int t = 0; t < tokens.length - 1; t++) {
                float[] logits = m.step(tokens[t], s);
                nll -= Perplexity.logSoftmax(logits, 0, logits.length, tokens[t + 1]);
            }
            assertThat(whole.tokens()).isEqualTo(tokens.length - 1);
            assertThat(whole.nllPerToken()).isCloseTo(nll / (tokens.length - 1), within(1e-4));
            assertThat(whole.perplexity()).isCloseTo(Math.exp(whole.nllPerToken()), within(1e-9));
            assertThat(whole.bitsPerByte()).isCloseTo(nll / Math.log(2) / text.length, within(1e-4));
            // a trained model beats the uniform distribution over bytes (8 bits/byte)
            assertThat(whole.bitsPerByte()).isLessThan(8.0);
        }
    }
}
