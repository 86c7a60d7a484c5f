package dev.jrwkv.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.QuantRounding;
import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file (atomically): u64 header length, a JSON header ({@code __metadata__} of
 * strings, then per tensor {@code dtype}, {@code shape}, {@code data_offsets}), padded with spaces to a
 * multiple of 8, then the tensors back to back. Tensors keep the names given (official names for RWKV)
 * and are converted to F32, F16 or BF16.
 *
 * <pre>{@code
 * SafetensorsWriter.write(Path.of("model.safetensors"), tensors, DType.BF16, Map.of("format", "pt"));
 * }</pre>
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    /** Writes {@code tensors} as {@code type} (F32, F16 or BF16; quantized tensors are dequantized first). */
    public static void write(Path target, List<Tensor> tensors, DType type, Map<String, String> metadata) throws IOException {
        String dtype = switch (type) {
            case F32 -> "F32";
            case F16 -> "F16";
            case BF16 -> "BF16";
            default -> throw new IllegalArgumentException("safetensors holds F32, F16 or BF16 here, not " + type);
        };
        List<Tensor> converted = new ArrayList<>();
        for (Tensor t : tensors) {
            converted.add(t.type() == type ? t : Tensor.encode(t.name(), t.toFloats(), type, QuantRounding.SEPARATE, t.shape()));
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Tensor t : converted) {
            if (t.name().equals("__metadata__") || header.has(t.name())) throw new IllegalArgumentException("tensor name " + t.name() + " is reserved or repeated");
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", dtype);
            ArrayNode shape = e.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            long end = offset + t.data().byteSize();
            e.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] h = json.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8;                 // keeps the data 8-byte aligned
        byte[] text = new byte[padded];
        System.arraycopy(h, 0, text, 0, h.length);
        for (int i = h.length; i < padded; i++) text[i] = ' ';
        AtomicFile.write(target, os -> {
            LittleEndianOutput out = new LittleEndianOutput(os);
            out.u64(text.length);
            out.bytes(text);
            for (Tensor t : converted) out.segment(t.data());
        });
    }

    /** Every tensor of {@code store}, in file order. */
    public static void write(Path target, TensorStore store, DType type, Map<String, String> metadata) throws IOException {
        List<Tensor> all = new ArrayList<>();
        for (String n : store.names()) all.add(store.get(n));
        write(target, all, type, metadata);
    }

}
