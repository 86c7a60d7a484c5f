package dev.jrwkv.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.jrwkv.format.RwkvCppFile;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.model.ModelConfig;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code jrwkv info} reports about a model file. Its JSON form ({@code --json}) is a stable
 * interface, documented in the README: fields are only ever added, and {@code schema} changes when
 * a field changes meaning.
 *
 * <pre>{@code
 * try (TensorStore store = ModelFiles.open(path)) {
 *     InfoReport r = InfoReport.of(store, ModelConfig.detect(store));
 * }
 * }</pre>
 */
@JsonPropertyOrder({"schema", "file", "file_bytes", "format", "format_version", "layout", "version", "layers", "width",
        "heads", "head_size", "vocab", "ffn_width", "lora_ranks", "tensor_count", "parameter_count", "bytes_by_dtype",
        "state_floats", "metadata"})
record InfoReport(
        @JsonProperty("schema") int schema,
        @JsonProperty("file") String file,
        @JsonProperty("file_bytes") long fileBytes,
        @JsonProperty("format") String format,
        @JsonProperty("format_version") Integer formatVersion,
        @JsonProperty("layout") String layout,
        @JsonProperty("version") String version,
        @JsonProperty("layers") int layers,
        @JsonProperty("width") int width,
        @JsonProperty("heads") int heads,
        @JsonProperty("head_size") int headSize,
        @JsonProperty("vocab") int vocab,
        @JsonProperty("ffn_width") int ffnWidth,
        @JsonProperty("lora_ranks") Map<String, Integer> loraRanks,
        @JsonProperty("tensor_count") int tensorCount,
        @JsonProperty("parameter_count") long parameterCount,
        @JsonProperty("bytes_by_dtype") Map<String, Long> bytesByDtype,
        @JsonProperty("state_floats") long stateFloats,
        @JsonProperty("metadata") Map<String, String> metadata) {

    /** Version of this JSON layout. */
    static final int SCHEMA = 1;

    static InfoReport of(TensorStore store, ModelConfig config) {
        long params = 0;
        Map<DType, Long> bytes = new TreeMap<>(); // enum order: F32, F16, BF16, Q4_0, ...
        for (String name : store.names()) {
            Tensor t = store.get(name);
            params += t.numel();
            bytes.merge(t.type(), t.data().byteSize(), Long::sum);
        }
        Map<String, Long> byName = new LinkedHashMap<>();
        bytes.forEach((type, n) -> byName.put(type.name(), n));
        long fileBytes;
        try {
            fileBytes = Files.size(store.path());
        } catch (IOException e) {
            fileBytes = -1; // the file was readable a moment ago; its size is only informative
        }
        Integer formatVersion = store instanceof RwkvCppFile f ? f.version() : null;
        return new InfoReport(SCHEMA, store.path().toAbsolutePath().normalize().toString(), fileBytes, store.format(), formatVersion,
                config.layout().name().toLowerCase(Locale.ROOT), config.version().label(), config.layers(), config.embd(),
                config.heads(), config.headSize(), config.vocab(), config.ffnDim(), new TreeMap<>(config.loraRanks()),
                store.names().size(), params, byName, config.stateSize(), new TreeMap<>(store.metadata()));
    }
}
