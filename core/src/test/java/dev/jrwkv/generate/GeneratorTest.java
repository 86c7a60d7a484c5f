package dev.jrwkv.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jrwkv.Fixtures;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import dev.jrwkv.tokenizer.ByteTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class GeneratorTest {
    static final Path V7 = Path.of("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin");

    @Test
    void greedyGenerationEqualsTheOfficialGreedyContinuation() throws IOException {
        JsonNode trace = new ObjectMapper().readTree(Fixtures.file("official/7v0-834K.trace.json").toFile());
        int[] expected = IntStream.range(0, trace.get("greedy_ids").size()).map(i -> trace.get("greedy_ids").get(i).asInt()).toArray();
        try (Rwkv rwkv = Rwkv.load(Fixtures.file(V7.toString()))) {
            assertThat(rwkv.tokenizer()).isInstanceOf(ByteTokenizer.class);
            StringBuilder streamed = new StringBuilder();
            GenerationResult r = rwkv.generate(trace.get("prompt_text").asText(), SamplingParams.greedy().withMaxTokens(expected.length),
                    t -> streamed.append(t.text()));
            assertThat(r.tokens()).containsExactly(expected);
            assertThat(r.text()).isEqualTo(trace.get("greedy_text").asText()).isEqualTo(streamed.toString());
            assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(r.promptTokens()).isEqualTo(64);
            assertThat(r.completionTokens()).isEqualTo(32);
        }
    }

    @Test
    void stopTokensStopStringsAndCancellation() {
        try (Rwkv rwkv = Rwkv.load(Fixtures.file(V7.toString()))) {
            String prompt = "The little cat sat by the window and watched the rain fall down.";
            // greedy continues " the the the ...": stop at the first 'h' (token 104)
            GenerationResult byToken = rwkv.generate(prompt, SamplingParams.greedy().withStopTokens(Set.of(104)), t -> { });
            assertThat(byToken.text()).isEqualTo(" t");
            assertThat(byToken.finishReason()).isEqualTo(FinishReason.STOP);

            List<String> pieces = new ArrayList<>();
            GenerationResult byString = rwkv.generate(prompt, SamplingParams.greedy().withStopStrings(List.of("e t")), t -> pieces.add(t.text()));
            assertThat(byString.text()).isEqualTo(" th");
            assertThat(String.join("", pieces)).isEqualTo(" th");
            assertThat(byString.finishReason()).isEqualTo(FinishReason.STOP);

            Cancellation cancel = new Cancellation();
            GenerationResult cancelled = rwkv.generate(prompt, rwkv.newState(), SamplingParams.greedy().withMaxTokens(100),
                    t -> { if (t.index() == 4) cancel.cancel(); }, cancel);
            assertThat(cancelled.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(cancelled.completionTokens()).isEqualTo(5);
        }
    }

    @Test
    void aConversationLivesInTheStateAndIsNeverFedTwice(@TempDir Path dir) {
        try (Rwkv rwkv = Rwkv.load(Fixtures.file(V7.toString()))) {
            SamplingParams p = SamplingParams.defaults().withSeed(5L).withMaxTokens(12);
            State chat = rwkv.newState();
            GenerationResult one = rwkv.generate("User: hi\n\nAssistant:", chat, p, t -> { });
            rwkv.saveState(chat, dir.resolve("chat.state"));
            State resumed = rwkv.loadState(dir.resolve("chat.state"));
            GenerationResult two = rwkv.generate("\n\nUser: more\n\nAssistant:", resumed, p, t -> { });

            // the same tokens fed in one go leave the same state
            Model m = rwkv.model();
            State once = m.newState();
            List<Integer> all = new ArrayList<>();
            for (byte b : "User: hi\n\nAssistant:".getBytes()) all.add(b & 0xFF);
            for (int t : one.tokens()) all.add(t);
            for (byte b : "\n\nUser: more\n\nAssistant:".getBytes()) all.add(b & 0xFF);
            for (int t : two.tokens()) all.add(t);
            m.forward(all.stream().mapToInt(Integer::intValue).toArray(), once);
            float[] a = once.toArray(), b = resumed.toArray();
            float worst = 0;
            for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1f, Math.abs(a[i])));
            assertThat(worst).isLessThanOrEqualTo(1e-4f);
        }
    }
}
