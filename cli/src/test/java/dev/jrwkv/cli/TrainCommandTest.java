package dev.jrwkv.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import dev.jrwkv.model.StateTuning;
import dev.jrwkv.train.Parallel;
import dev.jrwkv.train.Parameters;
import dev.jrwkv.train.PretrainedParameters;
import dev.jrwkv.train.TrainableRwkv7;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code jrwkv train}: a CI-sized run, its files, resume, fine-tuning modes and bad input. */
class TrainCommandTest {
    @TempDir
    static Path dir;
    static Path data;

    /** A small model that learns the text within seconds. */
    static final String[] SMALL = {"--layers", "2", "--embd", "32", "--head-size", "16", "--ctx", "32", "--batch", "4", "--lr", "1e-2", "--threads", "2"};

    @BeforeAll
    static void corpus() throws IOException {
        StringBuilder text = new StringBuilder();
        String[] lines = {"To be, or not to be, that is the question. ", "Whether 'tis nobler in the mind to suffer. ",
                "The slings and arrows of outrageous fortune. "};
        for (int i = 0; text.length() < 20_000; i++) text.append(lines[i % 3]);
        data = Files.writeString(dir.resolve("corpus.txt"), text, StandardCharsets.US_ASCII);
    }

    private static Cli.Result train(Path out, String... more) {
        List<Object> args = new ArrayList<>(List.of("train", "--data", data, "--out", out));
        args.addAll(Arrays.asList(more));
        return Cli.run(args.toArray());
    }

    private static String[] small(String... more) {
        String[] all = Arrays.copyOf(SMALL, SMALL.length + more.length);
        System.arraycopy(more, 0, all, SMALL.length, more.length);
        return all;
    }

    private static List<JsonNode> metrics(Path out) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> rows = new ArrayList<>();
        for (String l : Files.readAllLines(out.resolve("metrics.jsonl"))) rows.add(json.readTree(l));
        return rows;
    }

    @Test
    void aCiSizedRunLearnsTheTextAndWritesItsFiles() throws IOException {
        Path out = dir.resolve("run");
        Cli.Result r = train(out, small("--steps", "60"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("RWKV-7 L2 C32").contains("tokens/s").contains("ETA").contains("trained 60 steps");
        List<JsonNode> m = metrics(out);
        assertThat(m).hasSize(60);
        assertThat(m.getFirst().get("train_loss").asDouble()).isGreaterThan(4.5);    // ~ln 256
        assertThat(m.getLast().get("train_loss").asDouble()).isLessThan(0.5);       // measured: ~0.1
        assertThat(m.getLast().get("val_loss").asDouble()).isLessThan(0.5);
        assertThat(m.get(3).get("val_loss").isNull()).isTrue();
        assertThat(m.get(5).get("val_loss").isNumber()).isTrue();                   // every steps/10
        assertThat(m.getLast().get("tokens_per_s").asDouble()).isPositive();
        BufferedImage png = ImageIO.read(out.resolve("loss.png").toFile());
        assertThat(png.getWidth()).isEqualTo(800);

        // the checkpoint reads back into the trainer and into inference with the same logits
        Path model = out.resolve("model.safetensors");
        Parameters p = PretrainedParameters.load(model);
        int[] tokens = new int[40];
        byte[] text = Files.readAllBytes(data);
        for (int i = 0; i < tokens.length; i++) tokens[i] = text[i] & 0xFF;
        try (Parallel pool = new Parallel(2); Model inference = Model.load(model)) {
            TrainableRwkv7 net = new TrainableRwkv7(p, 1, tokens.length, pool);
            net.forward(tokens, tokens);
            float[] expected = inference.forwardAll(tokens, inference.newState());
            double max = 0;
            for (int i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i] - net.logits()[i]));
            assertThat(max).isLessThan(1e-4);
            // the .pth written beside it holds the same model
            try (Model pth = Model.load(out.resolve("model.pth"))) {
                float[] fromPth = pth.forwardAll(tokens, pth.newState());
                for (int i = 0; i < expected.length; i++) assertThat(fromPth[i]).isEqualTo(expected[i]);
            }
        }
    }

    @Test
    void aPausedAndResumedRunEqualsAnUninterruptedOne() throws IOException {
        Path whole = dir.resolve("whole"), parts = dir.resolve("parts");
        assertThat(train(whole, small("--steps", "12", "--every", "4")).exit()).isZero();
        Cli.Result first = train(parts, small("--steps", "12", "--every", "4", "--pause-at", "6"));
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.err()).contains("paused at step 6 of 12");
        Cli.Result second = train(parts, small("--steps", "12", "--every", "4", "--resume"));
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(second.err()).contains("resuming at step 6");
        assertThat(Files.readAllBytes(parts.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(whole.resolve("model.safetensors")));
        List<JsonNode> a = metrics(whole), b = metrics(parts);
        assertThat(b).hasSize(12);
        for (int i = 0; i < 12; i++) {
            assertThat(b.get(i).get("step")).isEqualTo(a.get(i).get("step"));
            assertThat(b.get(i).get("train_loss")).isEqualTo(a.get(i).get("train_loss"));
            assertThat(b.get(i).get("val_loss")).isEqualTo(a.get(i).get("val_loss"));
        }
    }

    @Test
    void stateTuningWritesAStateThatChangesTheOutput() throws IOException {
        Path base = dir.resolve("base"), tuned = dir.resolve("tuned");
        assertThat(train(base, small("--steps", "10")).exit()).isZero();
        Path model = base.resolve("model.safetensors");
        Cli.Result r = train(tuned, "--init", model.toString(), "--state-tuning", "--steps", "8", "--ctx", "32", "--batch", "2", "--lr", "1e-2", "--threads", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        Path state = tuned.resolve("state.safetensors");
        assertThat(state).exists();
        assertThat(tuned.resolve("model.safetensors")).doesNotExist();
        try (Model m = Model.load(model)) {
            int[] tokens = {'T', 'o', ' ', 'b', 'e'};
            State s = StateTuning.load(state, m);
            float[] withState = m.forward(tokens, s), without = m.forward(tokens, m.newState());
            double diff = 0;
            for (int i = 0; i < without.length; i++) diff = Math.max(diff, Math.abs(withState[i] - without[i]));
            assertThat(diff).isGreaterThan(1e-3);
        }
    }

    @Test
    void loraAndChunkRunsWriteTheirFiles() {
        Path base = dir.resolve("lora-base"), lora = dir.resolve("lora"), chunked = dir.resolve("chunked");
        assertThat(train(base, small("--steps", "4")).exit()).isZero();
        Cli.Result r = train(lora, "--init", base.resolve("model.safetensors").toString(), "--lora", "4", "--lora-merge", "--steps", "4",
                "--ctx", "32", "--batch", "2", "--threads", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(lora.resolve("lora.safetensors")).exists();
        assertThat(lora.resolve("model.safetensors")).exists();
        Cli.Result c = train(chunked, small("--steps", "4", "--chunk", "16"));
        assertThat(c.exit()).as(c.err()).isZero();
        assertThat(c.err()).contains("T16").contains("carrying the state");
    }

    @Test
    void anOfficialModelLoadsIntoTheTrainerAndFineTunes() {
        Path official = Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin");   // rwkv.cpp, converted from the official .pth
        Parameters p = PretrainedParameters.load(official);
        int[] tokens = {'"', 'i', 'n', ' ', 't', 'h', 'e', ' ', 'c', 'a', 't'};
        try (Parallel pool = new Parallel(2); Model inference = Model.load(official)) {
            TrainableRwkv7 net = new TrainableRwkv7(p, 1, tokens.length, pool);
            net.forward(tokens, tokens);
            float[] expected = inference.forwardAll(tokens, inference.newState());
            double max = 0;
            for (int i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(expected[i] - net.logits()[i]));
            assertThat(max).isLessThan(1e-4);
        }
        Path out = dir.resolve("official-lora");
        Cli.Result r = train(out, "--init", official.toString(), "--lora", "4", "--lora-merge", "--steps", "3", "--ctx", "32", "--batch", "2", "--threads", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("lora");
        assertThat(Cli.run("generate", out.resolve("model.safetensors"), "ROMEO:", "-n", "5").exit()).isZero();
    }

    @Test
    void badInputIsAOneLineUserError() {
        Path out = dir.resolve("bad");
        assertThat(train(out, "--steps", "5").err()).contains("--layers and --embd");
        assertThat(train(out, small("--steps", "5", "--lora", "4")).err()).contains("--init");
        assertThat(train(out, small("--steps", "5", "--resume")).err()).contains("nothing to resume");
        assertThat(train(out, small("--steps", "5", "--tokenizer", "neox")).err()).contains("byte and World");
        Cli.Result missing = Cli.run("train", "--data", dir.resolve("nope.txt"), "--out", out, "--steps", "5", "--layers", "1", "--embd", "32");
        assertThat(missing.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(missing.err()).contains("nope.txt");
        Cli.Result tooLong = train(out, small("--steps", "5", "--ctx", "30000"));
        assertThat(tooLong.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(tooLong.err()).contains("ctx");
    }

    /** The World vocabulary (here from a file): tokens are World ids, the model gets 65536 rows. */
    @Test
    void trainsOnWorldTokens() throws IOException {
        Path vocab = Fixtures.file("tokenizers/rwkv_vocab_v20230424.txt");
        Path out = dir.resolve("world");
        Cli.Result r = train(out, "--tokenizer", vocab.toString(), "--layers", "1", "--embd", "32", "--head-size", "16",
                "--ctx", "16", "--batch", "2", "--steps", "3", "--threads", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        try (Model m = Model.load(out.resolve("model.safetensors"))) {
            assertThat(m.config().vocab()).isEqualTo(65536);
        }
        assertThat(metrics(out)).hasSize(3);
        assertThat(r.err()).contains("tokenized corpus.txt");
        List<Path> caches;
        try (var files = Files.list(out)) {
            caches = files.filter(f -> f.getFileName().toString().matches("tokens-[0-9a-f]{16}\\.u16")).toList();
        }
        assertThat(caches).hasSize(1);
        // the header (56 bytes), 2 bytes per World id, the trailer (16 bytes)
        int[] ids = dev.jrwkv.tokenizer.WorldTokenizer.load(vocab).encodeBytes(Files.readAllBytes(data));
        assertThat(Files.size(caches.getFirst())).isEqualTo(56 + 2L * ids.length + 16);
        assertThat(r.err()).contains(String.format(java.util.Locale.ROOT, "%,d tokens", ids.length));
        Cli.Result resumed = train(out, "--tokenizer", vocab.toString(), "--layers", "1", "--embd", "32", "--head-size", "16",
                "--ctx", "16", "--batch", "2", "--steps", "4", "--threads", "2", "--resume");
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(resumed.err()).doesNotContain("tokenizing").doesNotContain("tokenized").contains("resuming at step 3");   // the cache is reused
        Cli.Result bad = train(dir.resolve("neox"), "--tokenizer", Fixtures.file("tokenizers/20B_tokenizer.json").toString(),
                "--layers", "1", "--embd", "32", "--steps", "1");
        assertThat(bad.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(bad.err()).contains("--tokenizer");
    }
}
