package dev.jrwkv.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsWriterTest {

    @Test
    void writesHeaderOffsetsAndDataInOrder(@TempDir Path dir) throws Exception {
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("emb.weight", Tensor.ofFloats("emb.weight", new float[] {1, 2, 3, 4, 5, 6}, 3, 2));
        tensors.put("blocks.0.att.x_r", Tensor.ofFloats("x_r", new float[] {-1.5f, 0.25f}, 1, 1, 2));
        Path file = dir.resolve("m.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));

        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong(0);
        assertThat(n % 8).isZero();
        byte[] json = new byte[(int) n];
        bb.get(8, json);
        JsonNode h = new ObjectMapper().readTree(new String(json, StandardCharsets.UTF_8).strip());
        assertThat(h.get("__metadata__").get("format").asText()).isEqualTo("pt");
        assertThat(h.get("emb.weight").get("dtype").asText()).isEqualTo("F32");
        assertThat(h.get("emb.weight").get("shape").toString()).isEqualTo("[3,2]");
        assertThat(h.get("emb.weight").get("data_offsets").toString()).isEqualTo("[0,24]");
        assertThat(h.get("blocks.0.att.x_r").get("shape").toString()).isEqualTo("[1,1,2]");
        assertThat(h.get("blocks.0.att.x_r").get("data_offsets").toString()).isEqualTo("[24,32]");
        int data = 8 + (int) n;
        assertThat(bb.capacity()).isEqualTo(data + 32);
        assertThat(bb.getFloat(data + 4 * 5)).isEqualTo(6f);
        assertThat(bb.getFloat(data + 24)).isEqualTo(-1.5f);
        // the JSON keeps insertion order, as the official files do
        assertThat(h.fieldNames().next()).isEqualTo("emb.weight");
    }

    @Test
    void refusesQuantizedTensors(@TempDir Path dir) {
        Tensor q = new Tensor("q", DType.Q8_0, new long[] {32}, Arena.ofAuto().allocate(34));
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("q", q);
        assertThatThrownBy(() -> SafetensorsWriter.write(dir.resolve("q.safetensors"), tensors, Map.of()))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("q is Q8_0");
        assertThat(dir.resolve("q.safetensors")).doesNotExist();
    }
}
