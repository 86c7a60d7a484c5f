package dev.jrwkv.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class InfoCommandTest {

    @Test
    void jsonDescribesTheRwkv7Model() throws Exception {
        Path model = Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin");
        var r = Cli.run("info", model, "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("schema").asInt()).isEqualTo(1);
        assertThat(j.get("file").asText()).isEqualTo(model.toAbsolutePath().normalize().toString());
        assertThat(j.get("format").asText()).isEqualTo("rwkv.cpp");
        assertThat(j.get("format_version").asInt()).isEqualTo(101);
        assertThat(j.get("version").asText()).isEqualTo("7");
        assertThat(j.get("layers").asInt()).isEqualTo(12);
        assertThat(j.get("width").asInt()).isEqualTo(64);
        assertThat(j.get("heads").asInt()).isEqualTo(1);
        assertThat(j.get("head_size").asInt()).isEqualTo(64);
        assertThat(j.get("vocab").asInt()).isEqualTo(256);
        assertThat(j.get("ffn_width").asInt()).isEqualTo(256);
        assertThat(j.get("lora_ranks").toString()).isEqualTo("{\"a\":32,\"g\":32,\"v\":32,\"w\":32}");
        // the fixtures' README gives 829,888 parameters for this model
        assertThat(j.get("parameter_count").asLong()).isEqualTo(829_888);
        assertThat(j.get("bytes_by_dtype").get("F32").asLong()).isEqualTo(4L * 829_888);
        assertThat(j.get("state_floats").asLong()).isEqualTo(12L * (2 * 64 + 64 * 64));
    }

    @Test
    void describesAGgufWithLlamaCppTensorNames(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path gguf = dir.resolve("m.gguf");
        var c = Cli.run("convert", Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"), gguf);
        assertThat(c.exit()).as(c.err()).isZero();
        var r = Cli.run("info", gguf, "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("format").asText()).isEqualTo("gguf");
        assertThat(j.get("version").asText()).isEqualTo("7");
        assertThat(j.get("layers").asInt()).isEqualTo(12);
        assertThat(j.get("width").asInt()).isEqualTo(64);
        assertThat(j.get("vocab").asInt()).isEqualTo(256);
        assertThat(j.get("lora_ranks").toString()).isEqualTo("{\"a\":32,\"g\":32,\"v\":32,\"w\":32}");
    }

    @Test
    void jsonFieldOrderIsStable() throws Exception {
        var r = Cli.run("info", Fixtures.file("tiny-rwkv/tiny-rwkv-6v0-1m-Q5_1.bin"), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        List<String> names = new ArrayList<>();
        j.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("schema", "file", "file_bytes", "format", "format_version", "layout", "version",
                "layers", "width", "heads", "head_size", "vocab", "ffn_width", "lora_ranks", "tensor_count",
                "parameter_count", "bytes_by_dtype", "state_floats", "metadata");
        assertThat(j.get("version").asText()).isEqualTo("6");
        assertThat(j.get("heads").asInt()).isEqualTo(8);
        assertThat(j.get("lora_ranks").toString()).isEqualTo("{\"decay\":64,\"maa\":32}");
        assertThat(j.get("bytes_by_dtype").has("Q5_1")).isTrue();
        assertThat(j.get("parameter_count").asLong()).isEqualTo(1_028_352);
    }

    @Test
    void textNamesEveryFigure() {
        var r = Cli.run("info", Fixtures.file("tiny-rwkv/tiny-rwkv-4v0-660K-FP16.bin"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("RWKV-4").contains("file version 100").containsPattern("layers\\s+4")
                .containsPattern("width\\s+128").containsPattern("ffn width\\s+256").contains("F16")
                .containsPattern("parameters\\s+661,504");
    }
}
