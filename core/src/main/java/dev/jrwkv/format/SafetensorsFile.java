package dev.jrwkv.format;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.LittleEndian;
import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
 * ({@code {"name": {"dtype": "BF16", "shape": [C, C], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {"key": "value"}}}), then the data; offsets are relative to the end of the header.
 * The file is memory-mapped and each tensor is a slice of the mapping. Names come in header order.
 *
 * <pre>{@code
 * try (SafetensorsFile f = SafetensorsFile.open(Path.of("model.safetensors"))) {
 *     Tensor emb = f.get("emb.weight");
 * }
 * }</pre>
 */
public final class SafetensorsFile extends MappedTensorStore {
    /** Headers larger than this are refused (the reference implementation uses the same bound). */
    public static final long MAX_HEADER = 100_000_000;
    private static final int MAX_DIMS = 8;
    private static final String METADATA = "__metadata__";


    private SafetensorsFile(Path path, Arena arena, MemorySegment file, SequencedMap<String, Tensor> tensors, Map<String, String> metadata) {
        super(path, arena, file, tensors, metadata);
    }

    /** Maps {@code path} and reads its header; data stays in the mapping. */
    public static SafetensorsFile open(Path path) {
        return map(path, SafetensorsFile::parse);
    }

    private static SafetensorsFile parse(Path path, Arena arena, MemorySegment file) {
        long size = file.byteSize();
        if (size < 8) throw new ModelFormatException(path, "truncated safetensors file: " + size + " bytes, the header length alone needs 8");
        long n = file.get(LittleEndian.LONG, 0);
        if (n < 2 || n > MAX_HEADER || n > size - 8) {
            throw new ModelFormatException(path, "safetensors header length " + Long.toUnsignedString(n) + " is impossible (file has "
                    + (size - 8) + " bytes after it, limit " + MAX_HEADER + "): truncated or not a safetensors file");
        }
        JsonNode root;
        try {
            ObjectMapper json = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            root = json.readTree(file.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE));
        } catch (JacksonException e) {
            throw new ModelFormatException(path, "safetensors header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot read safetensors header: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(path, "safetensors header is not a JSON object");

        MemorySegment data = file.asSlice(8 + n);
        Map<String, String> meta = new LinkedHashMap<>();
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals(METADATA)) {
                if (!value.isObject()) throw new ModelFormatException(path, METADATA + " is not a JSON object");
                for (Map.Entry<String, JsonNode> m : value.properties()) {
                    if (!m.getValue().isTextual()) throw new ModelFormatException(path, METADATA + "." + m.getKey() + " is not a string");
                    meta.put(m.getKey(), m.getValue().textValue());
                }
                continue;
            }
            tensors.put(name, tensor(path, name, value, data));
        }
        if (tensors.isEmpty()) throw new ModelFormatException(path, "safetensors file holds no tensors");
        return new SafetensorsFile(path, arena, file, Collections.unmodifiableSequencedMap(tensors), Collections.unmodifiableMap(meta));
    }

    private static Tensor tensor(Path path, String name, JsonNode entry, MemorySegment data) {
        if (!entry.isObject()) throw new ModelFormatException(path, "tensor " + name + ": header entry is not a JSON object");
        JsonNode dtypeNode = entry.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw new ModelFormatException(path, "tensor " + name + ": missing dtype");
        String dtype = dtypeNode.textValue();
        DType type = switch (dtype) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            default -> throw new ModelFormatException(path, "tensor " + name + " has unsupported dtype " + dtype + " (supported: F32, F16, BF16)");
        };
        long[] shape = longs(path, name, "shape", entry.get("shape"), MAX_DIMS);
        long[] offsets = longs(path, name, "data_offsets", entry.get("data_offsets"), 2);
        if (offsets.length != 2) throw new ModelFormatException(path, "tensor " + name + ": data_offsets must hold two numbers");
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > data.byteSize()) {
            throw new ModelFormatException(path, "tensor " + name + ": data_offsets [" + begin + ", " + end + "] lie outside the "
                    + data.byteSize() + " data bytes (truncated or corrupt)");
        }
        long numel = 1;
        long limit = data.byteSize(); // more elements than data bytes can never fit: saturate instead of overflowing
        for (long d : shape) numel = Math.multiplyHigh(numel, d) != 0 || numel * d > limit ? Long.MAX_VALUE : numel * d;
        long bytes = numel == Long.MAX_VALUE ? Long.MAX_VALUE : numel * type.blockBytes();
        if (bytes != end - begin) {
            throw new ModelFormatException(path, "tensor " + name + " " + dtype + " " + Arrays.toString(shape) + " needs "
                    + (bytes == Long.MAX_VALUE ? "more than " + limit : Long.toString(bytes)) + " bytes, but data_offsets [" + begin + ", " + end + "] give " + (end - begin));
        }
        try {
            return new Tensor(name, type, shape, data.asSlice(begin, bytes));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(path, "tensor " + name + ": " + e.getMessage(), e);
        }
    }

    private static long[] longs(Path path, String name, String field, JsonNode node, int max) {
        if (node == null || !node.isArray() || node.size() > max) {
            throw new ModelFormatException(path, "tensor " + name + ": " + field + " must be an array of at most " + max + " numbers");
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new ModelFormatException(path, "tensor " + name + ": " + field + "[" + i + "] is " + v + ", not a non-negative integer");
            }
            out[i] = v.longValue();
        }
        return out;
    }


    @Override
    public String format() {
        return "safetensors";
    }




}
