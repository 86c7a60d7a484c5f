package dev.jrwkv.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.data.Offset.offset;

class InitializerTest {
    static final ModelShape SHAPE = new ModelShape(256, 3, 64, 32, 32, 32, 32, 64);

    @Test
    void namesShapesAndOrderMatchTheOfficialCheckpoint() throws Exception {
        Path file = fixture("official/7v0-834K.safetensors");
        List<String> official = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] len = in.readNBytes(8);
            long n = 0;
            for (int i = 7; i >= 0; i--) n = (n << 8) | (len[i] & 0xFF);
            JsonNode header = new ObjectMapper().readTree(new String(in.readNBytes((int) n), StandardCharsets.UTF_8));
            for (Map.Entry<String, JsonNode> e : header.properties()) {
                if (!e.getKey().equals("__metadata__")) official.add(e.getKey() + " " + e.getValue().get("shape"));
            }
        }
        // the fixture is L12 C64 with one head of 64 and LoRA ranks 32
        Parameters p = Parameters.zeros(new ModelShape(256, 12, 64, 64, 32, 32, 32, 32));
        List<String> ours = new ArrayList<>();
        for (Param q : p.list()) ours.add(q.name() + " " + java.util.Arrays.toString(q.shape()).replace(" ", ""));
        assertThat(ours).containsExactlyElementsOf(official);
    }

    @Test
    void followsTheOfficialRecipe() {
        Parameters p = Initializer.official(SHAPE, 1);
        int C = 64;
        Parameters.Block b0 = p.block(0), b2 = p.block(2);
        assertThat(b0.output()).containsOnly(0f);
        assertThat(b0.ffnValue()).containsOnly(0f);
        assertThat(b0.w1()).containsOnly(0f);
        assertThat(b2.v1()).containsOnly(0f);
        assertThat(b0.ka()).containsOnly(1.02f);
        assertThat(b0.rk()).containsOnly(-0.04f);
        assertThat(b0.lnxw()[0]).isCloseTo((float) Math.pow(1.0 / 3, 0.7), offset(1e-6f));
        assertThat(b2.lnxw()[5]).isEqualTo(1f);
        assertThat(b0.xr()[0]).isEqualTo(1f);                                   // 1 − 0^p
        assertThat(b0.xr()[32]).isCloseTo((float) (1 - Math.pow(0.5, 0.2)), offset(1e-6f));
        // w0 at n = 0 of layer 0: -6 + 0 + 0.5 + 2.5 * zigzag(0) = -5.5 - 2.5
        assertThat(b0.w0()[0]).isCloseTo(-8f, offset(1e-5f));
        assertThat(b0.kk()[C - 1]).isCloseTo(0.71f - 0.05f, offset(1e-6f));
        for (float e : p.emb()) assertThat(Math.abs(e)).isLessThanOrEqualTo(1e-4f);
        assertOrthonormalRows(b0.receptance(), C, C, 1.0);
        assertOrthonormalRows(b0.key(), C, C, 0.1);
        assertOrthonormalRows(b0.w2(), 32, C, 0.1);                            // D < C: orthonormal rows x 0.1
        // head [V, C], V > C: orthonormal columns x 0.5 sqrt(V/C) = 1
        double[] gram = new double[C * C];
        float[] h = p.head();
        for (int v = 0; v < 256; v++) for (int i = 0; i < C; i++) for (int j = 0; j < C; j++) gram[i * C + j] += h[v * C + i] * h[v * C + j];
        for (int i = 0; i < C; i++) for (int j = 0; j < C; j++) assertThat(gram[i * C + j]).isCloseTo(i == j ? 1.0 : 0.0, offset(1e-5));
    }

    @Test
    void isDeterministicForASeed() {
        Parameters a = Initializer.official(SHAPE, 9), b = Initializer.official(SHAPE, 9), c = Initializer.official(SHAPE, 10);
        for (Param q : a.list()) assertThat(b.get(q.name()).data()).containsExactly(q.data());
        assertThat(c.head()).isNotEqualTo(a.head());
    }

    private static void assertOrthonormalRows(float[] w, int rows, int cols, double gain) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < rows; j++) {
                double dot = 0;
                for (int c = 0; c < cols; c++) dot += w[i * cols + c] * w[j * cols + c];
                assertThat(dot).isCloseTo(i == j ? gain * gain : 0.0, offset(1e-5));
            }
        }
    }

    private static Path fixture(String relative) {
        String root = System.getProperty("jrwkv.fixtures", "../../shared/fixtures");
        Path f = Path.of(root).resolve(relative);
        if (!Files.exists(f)) {
            String msg = "fixture " + f + " is absent (set -Djrwkv.fixtures=DIR)";
            if (Boolean.getBoolean("jrwkv.requireFixtures")) fail(msg);
            Assumptions.abort(msg);
        }
        return f;
    }
}
