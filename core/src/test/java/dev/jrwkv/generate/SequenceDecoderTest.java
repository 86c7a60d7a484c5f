package dev.jrwkv.generate;

import dev.jrwkv.Fixtures;
import dev.jrwkv.model.State;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SequenceDecoderTest {

    @Test
    void decodingStepByStepEqualsTheGenerator() {
        try (Rwkv rwkv = Rwkv.load(Fixtures.file(GeneratorTest.V7.toString()))) {
            String prompt = "The little cat sat by the window and watched the rain fall down.";
            List<SamplingParams> cases = List.of(
                    SamplingParams.greedy().withMaxTokens(40),
                    SamplingParams.defaults().withSeed(11L).withMaxTokens(60),
                    SamplingParams.defaults().withSeed(3L).withTopK(5).withMinP(0.05f).withStopStrings(List.of("e t", "ng")),
                    SamplingParams.greedy().withStopTokens(Set.of(104)),
                    SamplingParams.defaults().withSeed(5L).withLogitBias(Map.of(65, 5f)).withMaxTokens(30));
            for (SamplingParams p : cases) {
                State a = rwkv.newState();
                GenerationResult expected = rwkv.generate(prompt, a, p, GenerationListener.NONE);

                State b = rwkv.newState();
                SequenceDecoder d = new SequenceDecoder(rwkv.tokenizer(), p);
                float[] logits = rwkv.model().forward(rwkv.tokenizer().encode(prompt), b);
                StringBuilder streamed = new StringBuilder();
                while (!d.finished()) {
                    int token = d.sample(logits);
                    logits = rwkv.model().step(token, b);
                    streamed.append(d.accept(token));
                }
                streamed.append(d.flush());
                assertThat(d.text()).as("%s", p).isEqualTo(expected.text()).isEqualTo(streamed.toString());
                assertThat(d.tokens()).isEqualTo(expected.tokens());
                assertThat(d.finishReason()).isEqualTo(expected.finishReason());
                assertThat(b.toArray()).isEqualTo(a.toArray());
            }
        }
    }

    @Test
    void zeroTokensFinishesAtOnceAndAFinishedDecoderRefusesMore() {
        try (Rwkv rwkv = Rwkv.load(Fixtures.file(GeneratorTest.V7.toString()))) {
            SequenceDecoder d = new SequenceDecoder(rwkv.tokenizer(), SamplingParams.greedy().withMaxTokens(0));
            assertThat(d.finished()).isTrue();
            assertThat(d.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThatThrownBy(() -> d.sample(new float[256])).isInstanceOf(IllegalStateException.class);
            SequenceDecoder c = new SequenceDecoder(rwkv.tokenizer(), SamplingParams.greedy());
            c.cancel();
            assertThat(c.finishReason()).isEqualTo(FinishReason.CANCELLED);
        }
    }
}
