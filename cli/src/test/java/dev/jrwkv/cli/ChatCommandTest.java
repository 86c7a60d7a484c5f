package dev.jrwkv.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code jrwkv chat} over piped stdin (one message per line, one answer line each) on the tiny RWKV-7 model. */
class ChatCommandTest {
    private static final String TINY7 = "tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin";

    @TempDir
    Path dir;

    private static Cli.Result chat(String input, Object... flags) {
        Object[] args = new Object[flags.length + 2];
        args[0] = "chat";
        args[1] = Fixtures.file(TINY7);
        System.arraycopy(flags, 0, args, 2, flags.length);
        return Cli.runWithInput(input, args);
    }

    @Test
    void saveLoadAndResetRoundTrip() {
        // seeded sampling: every turn starts the same random stream, so equal states give equal answers
        Path saved = dir.resolve("after-hello.state");
        String input = String.join("\n",
                "Hello",
                "/save " + saved,
                "How are you?",          // 1: from the state after "Hello"
                "/load " + saved,
                "How are you?",          // 2: the same state again: the same answer
                "/reset",
                "How are you?",          // 3: without the history: another answer
                "/reset",
                "Hello",                 // 4: a fresh start: the first answer again
                "/quit",
                "never read") + "\n";
        var r = chat(input, "--seed", 11, "--temperature", 1, "--top-p", 1, "-n", 24);
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> answers = r.out().lines().toList();
        assertThat(answers).hasSize(5);
        assertThat(answers.get(0)).isNotEmpty();
        assertThat(answers.get(2)).as("after /load").isEqualTo(answers.get(1));
        assertThat(answers.get(3)).as("the history matters").isNotEqualTo(answers.get(1));
        assertThat(answers.get(4)).as("after /reset").isEqualTo(answers.get(0));
        assertThat(r.err()).contains("saved the conversation to " + saved).contains("loaded the conversation from " + saved)
                .contains("conversation reset");
        assertThat(saved).isRegularFile();
    }

    @Test
    void eachTurnFeedsOnlyItsNewText() {
        // two turns in one chat equal one generate over the whole transcript: the history was not fed twice
        var two = chat("Hi\nHi\n", "--greedy", "-n", 10);
        assertThat(two.exit()).as(two.err()).isZero();
        List<String> answers = two.out().lines().toList();
        assertThat(answers).hasSize(2);
        var first = Cli.run("generate", Fixtures.file(TINY7), "User: Hi\n\nAssistant:", "-n", 10, "--greedy", "--stop", "\\n\\n",
                "--stop", "\\nUser:");
        assertThat(first.out().strip()).isEqualTo(answers.get(0));
    }

    @Test
    void continuedLinesAreOneMessage() {
        var joined = chat("Hello\\\nthere\n", "--greedy", "-n", 8);
        var single = chat("Hello\\\n", "--greedy", "-n", 8);
        assertThat(joined.exit()).as(joined.err()).isZero();
        assertThat(joined.out().lines().toList()).hasSize(1);
        assertThat(single.out().lines().toList()).hasSize(1);
    }

    @Test
    void paramsAreShownAndSet() {
        var r = chat("/params\n/params temperature=0.7 top_p=0.5 seed=42 max_tokens=3\n/params top_p=2\n/bogus\n", "--greedy");
        assertThat(r.err()).contains("temperature=0.0").contains("top_p=0.3").contains("presence_penalty=0.0")
                .contains("max_tokens=3 temperature=0.7 top_p=0.5").contains("seed=42")
                .contains("top_p must be between 0 and 1").contains("unknown command /bogus");
        assertThat(r.exit()).as("a failed command fails a piped chat").isEqualTo(Main.USER_ERROR);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void loadingAMissingFileIsReportedAndTheChatGoesOn() {
        Path missing = dir.resolve("nope.state");
        var r = chat("/load " + missing + "\nHello\n", "--greedy", "-n", 4);
        assertThat(r.err()).contains("jrwkv: ").contains(missing.toString());
        assertThat(r.out().lines().toList()).hasSize(1);
        assertThat(r.exit()).isEqualTo(Main.USER_ERROR);
    }

    @Test
    void messagesAreCleanedAsTheOfficialChatDoes() {
        assertThat(Conversation.clean("  a\r\n\r\n\r\nb \n")).isEqualTo("a\nb");
    }
}
