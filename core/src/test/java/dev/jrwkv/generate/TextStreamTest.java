package dev.jrwkv.generate;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TextStreamTest {

    @Test
    void aMultiByteCharacterSplitAcrossTokensComesOutInOnePiece() {
        TextStream s = new TextStream(List.of());
        assertThat(s.push(new byte[] {'a', (byte) 0xE2})).isEqualTo("a");
        assertThat(s.push(new byte[] {(byte) 0x82})).isEmpty();
        assertThat(s.push(new byte[] {(byte) 0xAC, 'b'})).isEqualTo("€b");
        assertThat(s.push("😀".getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo("😀");
        assertThat(s.finish()).isEmpty();
    }

    @Test
    void stopStringsAreHeldBackAndCut() {
        TextStream s = new TextStream(List.of("\n\nUser:"));
        List<String> pieces = new ArrayList<>();
        for (String t : new String[] {"Hi", " there", "\n", "\nUs", "er", ":", " more"}) pieces.add(s.push(t.getBytes()));
        assertThat(String.join("", pieces)).isEqualTo("Hi there");
        assertThat(s.stopped()).isTrue();
        assertThat(s.text()).isEqualTo("Hi there");
    }

    @Test
    void aFalseStartOfAStopStringIsReleased() {
        TextStream s = new TextStream(List.of("\n\n"));
        assertThat(s.push("a\n".getBytes())).isEqualTo("a");
        assertThat(s.push("b".getBytes())).isEqualTo("\nb");
        assertThat(s.push("\n".getBytes())).isEmpty();
        assertThat(s.finish()).isEqualTo("\n");
        assertThat(s.stopped()).isFalse();
    }

    @Test
    void trailingInvalidBytesBecomeReplacementCharacters() {
        TextStream s = new TextStream(List.of());
        assertThat(s.push(new byte[] {'x', (byte) 0xF0, (byte) 0x9F})).isEqualTo("x");
        assertThat(s.finish()).isEqualTo("\uFFFD");
    }
}
