package dev.jrwkv.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Writes tensors as a {@code .safetensors} file: an 8-byte little-endian header length, a JSON
 * header (name → dtype, shape, data offsets; optional {@code __metadata__} of strings) padded with
 * spaces to a multiple of 8, then the tensors' bytes back to back in the given order. The file
 * is written atomically ({@link AtomicFile}). Float types only (F32, F16, BF16).
 *
 * <pre>{@code
 * SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
 * tensors.put("emb.weight", Tensor.ofFloats("emb.weight", values, 256, 64));
 * SafetensorsWriter.write(Path.of("model.safetensors"), tensors, Map.of("format", "pt"));
 * }</pre>
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {
    }

    public static void write(Path path, SequencedMap<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name.isEmpty() || name.equals("__metadata__")) throw new ModelFormatException(path, "invalid tensor name '" + name + "'");
            ObjectNode entry = header.putObject(name);
            entry.put("dtype", dtypeName(path, name, t.type()));
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            long size = t.data().byteSize();
            entry.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = new byte[8 + padded];
        long n = padded;
        for (int i = 0; i < 8; i++) head[i] = (byte) (n >>> (8 * i));
        System.arraycopy(json, 0, head, 8, json.length);
        for (int i = 8 + json.length; i < head.length; i++) head[i] = ' ';
        try {
            AtomicFile.write(path, out -> {
                out.write(head);
                byte[] buf = new byte[1 << 16];
                for (Tensor t : tensors.values()) {
                    MemorySegment data = t.data();
                    for (long pos = 0; pos < data.byteSize(); pos += buf.length) {
                        int len = (int) Math.min(buf.length, data.byteSize() - pos);
                        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, pos, buf, 0, len);
                        out.write(buf, 0, len);
                    }
                }
            });
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot write: " + e.getMessage(), e);
        }
    }

    private static String dtypeName(Path path, String name, DType type) {
        return switch (type) {
            case F32 -> "F32";
            case F16 -> "F16";
            case BF16 -> "BF16";
            default -> throw new ModelFormatException(path, "tensor " + name + " is " + type + ": safetensors stores float types only");
        };
    }
}
