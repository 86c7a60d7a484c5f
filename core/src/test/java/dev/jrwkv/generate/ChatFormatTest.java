package dev.jrwkv.generate;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatFormatTest {

    @Test
    void rendersTurnsSeparatedByBlankLinesEndingWithTheAssistantCue() {
        String p = ChatFormat.render(List.of(
                new ChatFormat.Message("system", "Be brief."),
                new ChatFormat.Message("user", "Hi\r\n\r\n\r\nthere "),
                new ChatFormat.Message("assistant", "Hello."),
                new ChatFormat.Message("developer", "x"),
                new ChatFormat.Message("USER", "")));
        assertThat(p).isEqualTo("System: Be brief.\n\nUser: Hi\nthere\n\nAssistant: Hello.\n\nSystem: x\n\nUser:\n\nAssistant:");
    }

    @Test
    void answerDropsTheLeadingSpaceAndRenderingItBackReproducesTheGeneratedText() {
        String prompt = ChatFormat.render(List.of(new ChatFormat.Message("user", "Hi")));
        String generated = " Hello there.";
        String next = ChatFormat.render(List.of(new ChatFormat.Message("user", "Hi"),
                new ChatFormat.Message("assistant", ChatFormat.answer(generated)), new ChatFormat.Message("user", "More")));
        assertThat(next).startsWith(prompt + generated + ChatFormat.STOP);
    }

    @Test
    void unknownRoleIsRefused() {
        assertThatThrownBy(() -> new ChatFormat.Message("tool", "x")).hasMessageContaining("tool");
    }
}
