package dev.jrwkv.model;

import dev.jrwkv.Fixtures;
import dev.jrwkv.JrwkvException;
import dev.jrwkv.format.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StateTuningTest {

    @Test
    void v6StatesAreTransposedPerHeadAsTheOfficialLoaderDoes(@TempDir Path dir) throws IOException {
        try (Model m = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-6v0-1m-FP32.bin"))) {
            // a real state, written in the file layout (each head transposed), must come back unchanged
            State real = m.newState();
            m.forward("Hello there".chars().toArray(), real);
            Path f = writeTimeState(dir.resolve("v6.safetensors"), m.config(), real, true);
            State loaded = StateTuning.load(f, m);
            for (int l = 0; l < m.config().layers(); l++) {
                int at = real.wkv(l), n = m.config().heads() * m.config().headSize() * m.config().headSize();
                for (int i = 0; i < n; i++) assertThat(loaded.data[at + i]).isEqualTo(real.data[at + i]);
                for (int i = 0; i < m.config().embd(); i++) assertThat(loaded.data[loaded.attShift(l) + i]).isZero();
            }
            // and it changes what the model says
            float[] fresh = m.forward(new int[] {'a'}, m.newState());
            float[] tuned = m.forward(new int[] {'a'}, loaded);
            assertThat(OfficialTrace.maxAbs(fresh, tuned)).isGreaterThan(1e-3f);
        }
    }

    @Test
    void wrongFilesAreRefused(@TempDir Path dir) throws IOException {
        try (Model v7 = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"));
             Model v6 = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-6v0-1m-FP32.bin"));
             Model v4 = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-4v0-660K-FP32.bin"))) {
            Path f = writeTimeState(dir.resolve("v6.safetensors"), v6.config(), v6.newState(), true);
            assertThatThrownBy(() -> StateTuning.load(f, v7)).isInstanceOf(ModelFormatException.class).hasMessageContaining("time_state");
            assertThatThrownBy(() -> StateTuning.load(f, v4)).isInstanceOf(JrwkvException.class).hasMessageContaining("RWKV-4");
            assertThatThrownBy(() -> StateTuning.load(Fixtures.file("official/7v0-834K.safetensors"), v7))
                    .isInstanceOf(ModelFormatException.class).hasMessageContaining("missing blocks.0.att.time_state");
        }
    }

    /** A minimal safetensors file with blocks.N.att.time_state [H, N, N] taken from {@code s}. */
    static Path writeTimeState(Path file, ModelConfig c, State s, boolean transposed) throws IOException {
        int H = c.heads(), N = c.headSize();
        Map<String, float[]> tensors = new LinkedHashMap<>();
        for (int l = 0; l < c.layers(); l++) {
            float[] v = new float[H * N * N];
            for (int h = 0; h < H; h++)
                for (int i = 0; i < N; i++)
                    for (int j = 0; j < N; j++)
                        v[transposed ? (h * N + j) * N + i : (h * N + i) * N + j] = s.data[s.wkv(l) + (h * N + i) * N + j];
            tensors.put("blocks." + l + ".att.time_state", v);
        }
        StringBuilder header = new StringBuilder("{");
        long off = 0;
        for (var e : tensors.entrySet()) {
            if (header.length() > 1) header.append(',');
            long end = off + 4L * e.getValue().length;
            header.append('"').append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[").append(H).append(',').append(N).append(',').append(N)
                    .append("],\"data_offsets\":[").append(off).append(',').append(end).append("]}");
            off = end;
        }
        header.append('}');
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.write(h);
        for (float[] v : tensors.values()) {
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) b.putFloat(x);
            out.write(b.array());
        }
        Files.write(file, out.toByteArray());
        return file;
    }
}
