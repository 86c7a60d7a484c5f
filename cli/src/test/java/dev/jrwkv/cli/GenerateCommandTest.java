package dev.jrwkv.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jrwkv.generate.GenerationListener;
import dev.jrwkv.generate.Generator;
import dev.jrwkv.generate.SamplingParams;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import dev.jrwkv.model.StateFile;
import dev.jrwkv.tokenizer.ByteTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code jrwkv generate} on the tiny RWKV-7 model (byte-level) against its official trace. */
class GenerateCommandTest {
    private static final String TINY7 = "tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin";

    @TempDir
    Path dir;

    private static JsonNode trace() throws IOException {
        return new ObjectMapper().readTree(Fixtures.file("official/7v0-834K.trace.json").toFile());
    }

    @Test
    void greedyTextMatchesTheOfficialTrace() throws Exception {
        JsonNode trace = trace();
        String prompt = trace.get("prompt_text").asText();
        String expected = trace.get("greedy_text").asText(); // " the the the ..." (32 bytes)
        var r = Cli.run("generate", Fixtures.file(TINY7), prompt, "-n", expected.length(), "--greedy");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(expected);
        assertThat(r.err()).isEmpty();
    }

    @Test
    void bytesFlagStillGivesThePrompt() throws Exception {
        JsonNode trace = trace();
        String expected = trace.get("greedy_text").asText();
        var r = Cli.run("generate", Fixtures.file(TINY7), "--bytes", trace.get("prompt_text").asText(), "-n", expected.length(), "--greedy");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(expected);
    }

    @Test
    void temperatureZeroIsGreedyToo() throws Exception {
        JsonNode trace = trace();
        String expected = trace.get("greedy_text").asText();
        var r = Cli.run("generate", Fixtures.file(TINY7), trace.get("prompt_text").asText(), "-n", expected.length(),
                "--temperature", "0", "--presence-penalty", "0", "--frequency-penalty", "0");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(expected);
    }

    @Test
    void samplingWithASeedIsReproducible() {
        Path model = Fixtures.file(TINY7);
        var a = Cli.run("generate", model, "The", "-n", 48, "--seed", 7, "--temperature", "1.2", "--top-p", "0.95");
        var b = Cli.run("generate", model, "The", "-n", 48, "--seed", 7, "--temperature", "1.2", "--top-p", "0.95");
        var c = Cli.run("generate", model, "The", "-n", 48, "--seed", 8, "--temperature", "1.2", "--top-p", "0.95");
        assertThat(a.exit()).as(a.err()).isZero();
        assertThat(a.stdout()).isNotEmpty().isEqualTo(b.stdout());
        assertThat(c.stdout()).as("another seed, another text").isNotEqualTo(a.stdout());
    }

    @Test
    void stopStringEndsTheTextBeforeIt() throws Exception {
        JsonNode trace = trace();
        // the greedy continuation is " the the the ...": stop at the second "the"
        var r = Cli.run("generate", Fixtures.file(TINY7), trace.get("prompt_text").asText(), "-n", 32, "--greedy", "--stop", "e t", "--stats");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(" th");
        assertThat(r.err()).contains("finish: stop");
    }

    @Test
    void statsGoToStderr() throws Exception {
        JsonNode trace = trace();
        String prompt = trace.get("prompt_text").asText();
        var r = Cli.run("generate", Fixtures.file(TINY7), prompt, "-n", 5, "--greedy", "--stats");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(trace.get("greedy_text").asText().substring(0, 5));
        assertThat(r.err()).contains("prompt: " + prompt.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + " tokens")
                .contains("generated: 5 tokens").contains("tokens/s").contains("finish: length");
    }

    @Test
    void continuesFromASavedState() {
        // a conversation saved by chat, continued by generate: the same text as the library gives from that state
        Path model = Fixtures.file(TINY7);
        Path state = dir.resolve("s.state");
        var save = Cli.runWithInput("Hello\n/save " + state + "\n", "chat", model, "--greedy", "-n", 8);
        assertThat(save.exit()).as(save.err()).isZero();
        var r = Cli.run("generate", model, "User: Hi", "-n", 24, "--seed", 5, "--top-p", 1, "--state", state);
        assertThat(r.exit()).as(r.err()).isZero();
        String expected;
        try (Model m = Model.load(model)) {
            State s = StateFile.load(state, m);
            assertThat(s.toArray()).as("the saved state holds the conversation").isNotEqualTo(m.newState().toArray());
            expected = new Generator(m, new ByteTokenizer()).generate("User: Hi", s, SamplingParams.defaults().withMaxTokens(24).withSeed(5L).withTopP(1f),
                    GenerationListener.NONE).text();
        }
        assertThat(r.out()).isEqualTo(expected);
    }

    @Test
    void badStateFileIsNamed() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.state"), "not a state");
        var r = Cli.run("generate", Fixtures.file(TINY7), "hi", "--state", junk);
        assertThat(r.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(r.err()).startsWith("jrwkv: ").contains(junk.toString());
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void catalogueNameIsResolvedInTheCache() throws IOException {
        CatalogueEntry entry = Catalogue.find("rwkv7-g1-0.1b").orElseThrow();
        Files.copy(Fixtures.file(TINY7), dir.resolve(entry.file()));   // a stand-in under the catalogue's file name
        var r = Cli.run("generate", "rwkv7-g1-0.1b", "--cache-dir", dir, "\"in", "-n", 4, "--greedy");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.stdout()).hasSize(4);
        var missing = Cli.run("generate", "rwkv7-g1-0.4b", "--cache-dir", dir, "hi");
        assertThat(missing.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(missing.err()).contains("not downloaded").contains("jrwkv pull rwkv7-g1-0.4b");
    }
}
