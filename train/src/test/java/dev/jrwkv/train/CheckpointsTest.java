package dev.jrwkv.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SequencedMap;

import static org.assertj.core.api.Assertions.assertThat;

class CheckpointsTest {

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(Tensor.toBFloat16(1.0f)).isEqualTo((short) 0x3F80);
        assertThat(Tensor.toBFloat16(-2.0f)).isEqualTo((short) 0xC000);
        // 1 + 2^-8 is halfway between two bf16 values: ties go to the even one (1.0)
        assertThat(Tensor.toBFloat16(Float.intBitsToFloat(0x3F808000))).isEqualTo((short) 0x3F80);
        assertThat(Tensor.toBFloat16(Float.intBitsToFloat(0x3F818000))).isEqualTo((short) 0x3F82);
        assertThat(Tensor.toBFloat16(Float.intBitsToFloat(0x3F808001))).isEqualTo((short) 0x3F81);
        assertThat(Float.isNaN(Float.intBitsToFloat(Tensor.toBFloat16(Float.NaN) << 16))).isTrue();
    }

    @Test
    void bf16TensorsDecodeToTheRoundedValues() {
        Parameters p = TestModels.randomized(TestModels.TINY, 3);
        SequencedMap<String, Tensor> t = Checkpoints.tensors(p, DType.BF16);
        assertThat(t.sequencedKeySet()).containsExactlyElementsOf(p.all().sequencedKeySet());
        float[] original = p.get("blocks.1.att.w1").data(), decoded = t.get("blocks.1.att.w1").toFloats();
        for (int i = 0; i < original.length; i++) assertThat(Math.abs(decoded[i] - original[i])).isLessThanOrEqualTo(Math.abs(original[i]) / 256);
        assertThat(t.get("blocks.1.att.r_k").shape()).containsExactly(2, 8);
    }

    @Test
    void writesOfficialNamesShapesAndMetadata(@TempDir Path dir) throws Exception {
        Parameters p = Initializer.official(TestModels.TINY, 1);
        Path file = dir.resolve("ckpt.safetensors");
        Checkpoints.writeSafetensors(file, p, DType.BF16, Map.of("step", "12"));
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] json = new byte[(int) bb.getLong(0)];
        bb.get(8, json);
        JsonNode h = new ObjectMapper().readTree(new String(json, StandardCharsets.UTF_8).strip());
        assertThat(h.get("__metadata__").get("format").asText()).isEqualTo("pt");
        assertThat(h.get("__metadata__").get("step").asText()).isEqualTo("12");
        assertThat(h.get("blocks.0.att.x_r").get("shape").toString()).isEqualTo("[1,1,16]");
        assertThat(h.get("blocks.1.att.v1").get("shape").toString()).isEqualTo("[16,4]");
        assertThat(h.has("blocks.0.att.v1")).isFalse();
        assertThat(h.get("head.weight").get("dtype").asText()).isEqualTo("BF16");
        assertThat(bb.capacity()).isEqualTo(8 + json.length + 2 * p.count());
    }
}
