package dev.jrwkv.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad flags and bad files: one line {@code jrwkv: ...} on stderr, exit 2, nothing written. */
class ArgumentValidationTest {
    private static final String TINY7 = "tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin";

    @TempDir
    Path dir;

    @Test
    void bothTokensAndBytesAreRejected() {
        var r = Cli.run("logits", "model.bin", "--tokens", "1,2", "--bytes", "ab", "--out", dir.resolve("x.f32"));
        assertUserError(r);
        assertThat(r.err()).contains("--tokens").contains("--bytes").contains("mutually exclusive");
    }

    @Test
    void neitherTokensNorBytesIsRejected() {
        var r = Cli.run("logits", "model.bin", "--out", dir.resolve("x.f32"));
        assertUserError(r);
        assertThat(r.err()).contains("Missing required argument").contains("--tokens").contains("--bytes");
    }

    @Test
    void badTokenListIsRejected() {
        var r = Cli.run("logits", "model.bin", "--tokens", "34,x,110", "--out", dir.resolve("x.f32"));
        assertUserError(r);
        assertThat(r.err()).contains("--tokens").contains("'x' is not an int");
    }

    @Test
    void missingModelFileIsNamed() {
        Path missing = dir.resolve("no-such-model.bin");
        var r = Cli.run("logits", missing, "--tokens", "1", "--out", dir.resolve("x.f32"));
        assertUserError(r);
        assertThat(r.err()).contains(missing.toString()).contains("no such file");
        assertThat(dir.resolve("x.f32")).doesNotExist();
    }

    @Test
    void missingModelFileIsNamedByInfoAndGenerate() {
        Path missing = dir.resolve("gone.bin");
        for (var r : new Cli.Result[] {Cli.run("info", missing), Cli.run("generate", missing, "--bytes", "a", "--greedy")}) {
            assertUserError(r);
            assertThat(r.err()).contains(missing.toString());
        }
    }

    @Test
    void fileThatIsNotAModelIsNamed() throws IOException {
        Path junk = Files.writeString(dir.resolve("notes.txt"), "hello, not a model");
        var r = Cli.run("info", junk);
        assertUserError(r);
        assertThat(r.err()).contains(junk.toString()).contains("unknown model format");
    }

    @Test
    void tokenOutsideTheVocabularyIsRejectedBeforeLoading() {
        var r = Cli.run("logits", Fixtures.file(TINY7), "--tokens", "34,256", "--out", dir.resolve("x.f32"));
        assertUserError(r);
        assertThat(r.err()).contains("token 256").contains("position 1").contains("0..255");
    }

    @Test
    void negativeTokenIsRejected() {
        var r = Cli.run("logits", Fixtures.file(TINY7), "--tokens=-1", "--out", dir.resolve("x.f32"));
        assertUserError(r);
        assertThat(r.err()).contains("token -1");
    }

    @Test
    void missingOutputFolderIsNamed() {
        Path out = dir.resolve("no-such-folder/x.f32");
        var r = Cli.run("logits", Fixtures.file(TINY7), "--tokens", "1", "--out", out);
        assertUserError(r);
        assertThat(r.err()).contains("cannot write").contains("no-such-folder");
    }

    @Test
    void badModeIsRejected() {
        var r = Cli.run("logits", "m.bin", "--tokens", "1", "--mode", "batch", "--out", "x.f32");
        assertUserError(r);
        assertThat(r.err()).contains("--mode").contains("batch");
    }

    @Test
    void unknownOptionAndMissingCommandAreUserErrors() {
        assertUserError(Cli.run("info", "m.bin", "--frobnicate"));
        var none = Cli.run();
        assertUserError(none);
        assertThat(none.err()).contains("no command");
    }

    @Test
    void generateNeedsANonEmptyPrompt() {
        Path model = Fixtures.file(TINY7);
        var empty = Cli.run("generate", model, "--bytes", "", "--greedy");
        assertUserError(empty);
        assertThat(empty.err()).contains("prompt is empty");
        var none = Cli.run("generate", model);
        assertUserError(none);
        assertThat(none.err()).contains("PROMPT");
        var both = Cli.run("generate", model, "a", "--bytes", "b");
        assertUserError(both);
        assertThat(both.err()).contains("mutually exclusive");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "-n|-3|-n",
            "--temperature|-1|--temperature",
            "--temperature|abc|--temperature",
            "--top-p|1.5|--top-p",
            "--top-k|-2|--top-k",
            "--min-p|2|--min-p",
            "--penalty-decay|1.1|--penalty-decay",
            "--presence-penalty|NaN|--presence-penalty",
            "--seed|x|--seed",
            "--stop|''|--stop"})
    void badSamplingValuesNameTheirFlag(String flag, String value, String named) {
        // checked before the model is read: a missing model file does not hide the bad flag
        var r = Cli.run("generate", dir.resolve("model.bin"), "hi", flag, value);
        assertUserError(r);
        assertThat(r.err()).contains(named);
        var chat = Cli.run("chat", dir.resolve("model.bin"), flag, value);
        assertUserError(chat);
        assertThat(chat.err()).contains(named);
    }

    @Test
    void greedyContradictsATemperature() {
        var r = Cli.run("generate", dir.resolve("model.bin"), "hi", "--greedy", "--temperature", "0.5");
        assertUserError(r);
        assertThat(r.err()).contains("--greedy").contains("--temperature");
    }

    @Test
    void modelsThatAreNotByteLevelNeedATokenizer() throws IOException {
        Path model = TinyModelFile.write(dir.resolve("vocab300.bin"), 300, 32);
        var gen = Cli.run("generate", model, "--bytes", "hi", "--greedy");
        assertUserError(gen);
        assertThat(gen.err()).contains("300 tokens").contains("--tokenizer");
        var logits = Cli.run("logits", model, "--bytes", "hi", "--out", dir.resolve("x.f32"));
        assertUserError(logits);
        assertThat(logits.err()).contains("--bytes").contains("tokenizers");
    }

    @Test
    void aTokenizerLargerThanTheVocabularyIsRejected() {
        Path vocab = Fixtures.file("tokenizers/rwkv_vocab_v20230424.txt");
        var r = Cli.run("generate", Fixtures.file(TINY7), "hi", "--tokenizer", vocab);
        assertUserError(r);
        assertThat(r.err()).contains("--tokenizer").contains("65530").contains("256");
    }

    @Test
    void verbosePrintsTheStackTrace() {
        Path missing = dir.resolve("gone.bin");
        var quiet = Cli.run("info", missing);
        var verbose = Cli.run("info", missing, "--verbose");
        assertThat(quiet.err()).doesNotContain("\tat ");
        assertThat(verbose.exit()).isEqualTo(Main.USER_ERROR);
        assertThat(verbose.err()).startsWith("jrwkv: ").contains("\tat dev.jrwkv.");
    }

    @Test
    void versionAndHelp() {
        var version = Cli.run("--version");
        assertThat(version.exit()).isZero();
        assertThat(version.out()).startsWith("jrwkv ").contains("Java ");
        var help = Cli.run("logits", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("--tokens").contains("--bytes").contains("--all").contains("--mode").contains("--out");
    }

    private static void assertUserError(Cli.Result r) {
        assertThat(r.exit()).as(r.err()).isEqualTo(Main.USER_ERROR);
        assertThat(r.err()).startsWith("jrwkv: ");
        assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.stdout()).isEmpty();
    }
}
