package dev.jrwkv.model;

import dev.jrwkv.Fixtures;
import dev.jrwkv.JrwkvException;
import dev.jrwkv.format.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StateFileTest {
    static final int[] PROMPT = SequenceModeTest.PROMPT;

    @Test
    void saveLoadContinueEqualsAnUninterruptedRun(@TempDir Path dir) {
        for (String tag : new String[] {"4v0-660K", "5v2-730K", "6v0-1m", "7v0-834K"}) {
            try (Model m = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-" + tag + "-FP32.bin"))) {
                float[] uninterrupted = m.forward(PROMPT, m.newState());

                State first = m.newState();
                m.forward(Arrays.copyOfRange(PROMPT, 0, 30), first);
                Path f = dir.resolve(tag + ".state");
                StateFile.save(first, f, m);
                State loaded = StateFile.load(f, m);
                assertThat(loaded.toArray()).isEqualTo(first.toArray());
                float[] resumed = m.forward(Arrays.copyOfRange(PROMPT, 30, PROMPT.length), loaded);
                assertThat(resumed).isEqualTo(continueWithoutFile(m));
                assertThat(OfficialTrace.maxAbs(resumed, uninterrupted)).isLessThanOrEqualTo(1e-4f);
            }
        }
    }

    private static float[] continueWithoutFile(Model m) {
        State s = m.newState();
        m.forward(Arrays.copyOfRange(PROMPT, 0, 30), s);
        return m.forward(Arrays.copyOfRange(PROMPT, 30, PROMPT.length), s);
    }

    @Test
    void copyIsDeep() {
        try (Model m = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"))) {
            State s = m.newState();
            m.forward(new int[] {1, 2, 3}, s);
            State c = s.copy();
            float[] before = c.toArray();
            m.forward(new int[] {4, 5}, s);
            assertThat(c.toArray()).isEqualTo(before).isNotEqualTo(s.toArray());
        }
    }

    @Test
    void aStateOfAnotherModelIsRefused(@TempDir Path dir) {
        Path f = dir.resolve("v7.state");
        try (Model v7 = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"));
             Model v6 = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-6v0-1m-FP32.bin"));
             Model v7q = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-Q5_1.bin"))) {
            State s = v7.newState();
            v7.forward(new int[] {65, 66}, s);
            StateFile.save(s, f, v7);
            assertThatThrownBy(() -> StateFile.load(f, v6))
                    .isInstanceOf(JrwkvException.class)
                    .hasMessageContaining("belongs to another model").hasMessageContaining("RWKV-7").hasMessageContaining("RWKV-6");
            // the same model in another format keeps its identity
            assertThat(StateFile.load(f, v7q).toArray()).isEqualTo(s.toArray());
        }
    }

    @Test
    void corruptOrTruncatedFilesAreRefused(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("s.state");
        try (Model m = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"))) {
            State s = m.newState();
            m.forward(new int[] {65}, s);
            StateFile.save(s, f, m);
            byte[] good = Files.readAllBytes(f);

            byte[] flipped = good.clone();
            flipped[good.length - 100] ^= 1;
            Files.write(f, flipped);
            assertThatThrownBy(() -> StateFile.load(f, m)).isInstanceOf(ModelFormatException.class).hasMessageContaining("checksum");

            Files.write(f, Arrays.copyOf(good, good.length - 10));
            assertThatThrownBy(() -> StateFile.load(f, m)).isInstanceOf(ModelFormatException.class).hasMessageContaining("truncated");

            Files.write(f, "hello".getBytes());
            assertThatThrownBy(() -> StateFile.load(f, m)).isInstanceOf(ModelFormatException.class).hasMessageContaining(f.toString());
        }
    }
}
