package dev.jrwkv.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ByteTokenizerTest {
    private final ByteTokenizer bytes = new ByteTokenizer();

    @Test
    void idIsByteValue() {
        assertThat(bytes.encode("\"in")).containsExactly(0x22, 0x69, 0x6E);
        assertThat(bytes.encode("é")).containsExactly(0xC3, 0xA9);
        assertThat(bytes.encodeBytes(new byte[] {0, (byte) 0xFF})).containsExactly(0, 255);
        assertThat(bytes.vocabSize()).isEqualTo(256);
        assertThat(bytes.tokenBytes(200)).containsExactly((byte) 200);
    }

    @Test
    void roundTripsEveryByte() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) all[i] = (byte) i;
        assertThat(bytes.decodeBytes(bytes.encodeBytes(all))).isEqualTo(all);
        String text = "héllo 世界 😀";
        assertThat(bytes.decode(bytes.encode(text))).isEqualTo(text);
        assertThat(bytes.decode(bytes.encode(text)).getBytes(StandardCharsets.UTF_8)).hasSize(text.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void outOfRangeIdsAreNamed() {
        assertThatThrownBy(() -> bytes.decode(new int[] {65, 256}))
                .isInstanceOf(TokenizerException.class)
                .hasMessage("bytes: token id 256 at position 1 is out of range 0..255");
        assertThatThrownBy(() -> bytes.tokenBytes(-3))
                .isInstanceOf(TokenizerException.class)
                .hasMessage("bytes: token id -3 is out of range 0..255");
    }
}
