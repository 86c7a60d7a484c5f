package dev.jrwkv.format;

import dev.jrwkv.Fixtures;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** A safetensors file: length, {@code header} (JSON text), {@code data}. */
    static byte[] safetensors(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    @Test
    void readsTheFixtureWithMetadata() {
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.file("official/7v0-834K.safetensors"))) {
            assertThat(f.format()).isEqualTo("safetensors");
            assertThat(f.metadata()).containsExactly(java.util.Map.entry("format", "pt"));
            assertThat(f.names()).hasSize(399).first().isEqualTo("emb.weight");
            Tensor key = f.get("blocks.0.att.key.weight");
            assertThat(key.type()).isEqualTo(DType.BF16);
            assertThat(key.shape()).containsExactly(64, 64);
            assertThat(key.data().isMapped()).isTrue();
        }
    }

    @Test
    void readsEachFloatTypeInHeaderOrder() {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(TorchCheckpoints.f16(1, 2));          // [0, 4)
        data.writeBytes(TorchCheckpoints.f32(-1.25f, 3, 4, 5)); // [4, 20)
        data.writeBytes(TorchCheckpoints.bf16(0.5f));          // [20, 22)
        String header = """
                {"z":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},
                 "a":{"dtype":"F32","shape":[2,2],"data_offsets":[4,20]},
                 "__metadata__":{"note":"hi"},
                 "m":{"dtype":"BF16","shape":[],"data_offsets":[20,22]}}""";
        try (SafetensorsFile f = SafetensorsFile.open(Rejections.write(dir, "t.safetensors", safetensors(header, data.toByteArray())))) {
            assertThat(f.names()).containsExactly("z", "a", "m");
            assertThat(f.metadata()).containsEntry("note", "hi");
            assertThat(f.get("z").type()).isEqualTo(DType.F16);
            assertThat(f.get("z").toFloats()).containsExactly(1, 2);
            assertThat(f.get("a").type()).isEqualTo(DType.F32);
            assertThat(f.get("a").toFloats()).containsExactly(-1.25f, 3, 4, 5);
            assertThat(f.get("m").type()).isEqualTo(DType.BF16);
            assertThat(f.get("m").toFloats()).containsExactly(0.5f);
        }
    }
}
