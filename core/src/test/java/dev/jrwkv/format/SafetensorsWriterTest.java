package dev.jrwkv.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jrwkv.Fixtures;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A minimal test-only parse of the written header and data (the real reader lives on another branch). */
class SafetensorsWriterTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void officialV7TensorsRoundTrip(DType type) throws IOException {
        Path out = dir.resolve("m.safetensors");
        try (TensorStore official = RwkvCppLayout.toOfficial(RwkvCppFile.open(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin")))) {
            SafetensorsWriter.write(out, official, type, Map.of("format", "pt", "source", "tiny-rwkv"));
            byte[] file = Files.readAllBytes(out);
            long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertThat(n % 8).isZero();
            JsonNode header = new ObjectMapper().readTree(new String(file, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8));
            assertThat(header.get("__metadata__").get("format").asText()).isEqualTo("pt");
            Iterator<String> names = header.fieldNames();
            assertThat(names.next()).isEqualTo("__metadata__");
            long expectedStart = 0;
            for (String name : official.names()) {
                assertThat(names.next()).isEqualTo(name);              // file order kept
                JsonNode e = header.get(name);
                Tensor src = official.get(name);
                assertThat(e.get("dtype").asText()).isEqualTo(type.name());
                long[] shape = new long[e.get("shape").size()];
                for (int i = 0; i < shape.length; i++) shape[i] = e.get("shape").get(i).asLong();
                assertThat(shape).isEqualTo(src.shape());
                long begin = e.get("data_offsets").get(0).asLong(), end = e.get("data_offsets").get(1).asLong();
                assertThat(begin).isEqualTo(expectedStart);
                expectedStart = end;
                MemorySegment data = MemorySegment.ofArray(file).asSlice(8 + n + begin, end - begin);
                float[] back = new Tensor(name, type, shape, data).toFloats();
                float[] orig = src.toFloats();
                // the tiny v7 weights are bf16 values: every format holds them exactly, except F16 for tiny magnitudes
                for (int i = 0; i < orig.length; i++) {
                    float tol = type == DType.F16 ? Math.max(Math.abs(orig[i]) * 1e-3f, 6e-8f) : 0f;
                    assertThat(Math.abs(back[i] - orig[i])).as(name + "[" + i + "]").isLessThanOrEqualTo(tol);
                }
            }
            assertThat(8 + n + expectedStart).isEqualTo(file.length);
        }
    }
}
