package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** generate and chat without MODEL run the model that ships in models/. */
class BundledModelTest {

    @Test
    void generateWithOnlyAPromptRunsTheBundledModel() {
        Cli.Result r = Cli.run("generate", "ROMEO:", "-n", "40", "--seed", "1", "--stats");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isNotBlank();
        assertThat(r.err()).contains("generated: 40 tokens");
    }

    @Test
    void chatWithoutModelRunsTheBundledModel() {
        Cli.Result r = Cli.runWithInput("Good morrow\n", "chat", "-n", "10", "--seed", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isNotBlank();
    }

    @Test
    void theBundledFileIsFoundAboveTheCode() {
        assertThat(BundledModel.path()).endsWith(Path.of(BundledModel.FILE));
    }

    @Test
    void aMissingBundledFileIsAClearError(@TempDir Path empty) {
        assertThatThrownBy(() -> BundledModel.find(List.of(empty)))
                .isInstanceOf(JrwkvException.class)
                .hasMessageContaining(BundledModel.FILE)
                .hasMessageContaining(empty.toString());
    }

    @Test
    void anArgumentNamingAModelFileIsNotTakenForAPrompt() {
        assertThat(BundledModel.looksLikeModel("missing-model.pth")).isTrue();
        assertThat(BundledModel.looksLikeModel("some/dir/model")).isTrue();
        assertThat(BundledModel.looksLikeModel("ROMEO:")).isFalse();
        assertThat(BundledModel.looksLikeModel("To be, or not to be")).isFalse();
        Cli.Result r = Cli.run("generate", "missing-model.pth");
        assertThat(r.exit()).isEqualTo(Main.USER_ERROR);
    }
}
