package dev.jrwkv.cli;

import dev.jrwkv.model.Model;
import dev.jrwkv.model.ModelConfig;
import dev.jrwkv.model.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class InitCommandTest {

    @Test
    void writesAnOfficialShapeModelInAnyFormat(@TempDir Path dir) {
        for (String name : new String[] {"m.safetensors", "m.gguf", "m.bin"}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
            Path file = dir.resolve(name);
            int rc = Main.commandLine(StdStreams.of(out, err)).execute("init", "--layers", "2", "--embd", "128", "--vocab", "300",
                    "--dtype", name.endsWith(".bin") ? "f16" : "f32", file.toString());
            assertThat(rc).as(err.toString()).isZero();
            try (Model m = Model.load(file)) {
                ModelConfig c = m.config();
                assertThat(c.version()).isEqualTo(Version.V7);
                assertThat(c.layers()).isEqualTo(2);
                assertThat(c.embd()).isEqualTo(128);
                assertThat(c.heads()).isEqualTo(2);
                assertThat(c.vocab()).isEqualTo(300);
                assertThat(c.loraRanks()).containsEntry("w", 32).containsEntry("g", 64);
                float[] logits = m.forward(new int[] {1, 2, 3}, m.newState());
                for (float f : logits) assertThat(f).isFinite();
            }
        }
    }

    @Test
    void badShapesAreUserErrors(@TempDir Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int rc = Main.commandLine(StdStreams.of(out, err)).execute("init", "--layers", "2", "--embd", "100", dir.resolve("x.safetensors").toString());
        assertThat(rc).isEqualTo(Main.USER_ERROR);
        assertThat(err.toString()).contains("--head-size");
    }
}
