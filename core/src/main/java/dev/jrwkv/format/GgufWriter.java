package dev.jrwkv.format;

import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;

/**
 * Writes a GGUF version 3 file (atomically): the metadata in the given order, the tensors (their
 * stored type and bytes, shapes written in ggml order) each at a multiple of the alignment. Knows
 * nothing about RWKV: {@code dev.jrwkv.model.LlamaCppNames} supplies llama.cpp's names and keys.
 *
 * <pre>{@code
 * GgufWriter.write(Path.of("out.gguf"), metadata, tensors);
 * }</pre>
 */
public final class GgufWriter {
    private GgufWriter() {
    }

    /** Writes with the alignment from {@code general.alignment}, or 32. */
    public static void write(Path target, SequencedMap<String, GgufValue> metadata, List<Tensor> tensors) throws IOException {
        GgufValue a = metadata.get("general.alignment");
        int alignment = a == null ? GgufFile.DEFAULT_ALIGNMENT : Math.toIntExact((Long) a.value());
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) throw new IllegalArgumentException("alignment " + alignment + " is not a power of two");
        Set<String> names = new HashSet<>();
        for (Tensor t : tensors) if (!names.add(t.name())) throw new IllegalArgumentException("tensor " + t.name() + " given twice");
        AtomicFile.write(target, os -> {
            LittleEndianOutput out = new LittleEndianOutput(os);
            out.u32(GgufFile.MAGIC);
            out.u32(3);
            out.u64(tensors.size());
            out.u64(metadata.size());
            for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
                out.string(e.getKey());
                out.u32(e.getValue().type().id());
                value(out, e.getValue().type(), e.getValue().elementType(), e.getValue().value());
            }
            long offset = 0;
            for (Tensor t : tensors) {
                out.string(t.name());
                long[] shape = t.shape();
                out.u32(Math.max(1, shape.length));
                if (shape.length == 0) out.u64(1);
                for (int d = shape.length - 1; d >= 0; d--) out.u64(shape[d]);
                out.u32(GgufFile.ggmlTypeId(t.type()));
                out.u64(offset);
                offset = align(offset + t.data().byteSize(), alignment);
            }
            out.pad(alignment);
            long dataStart = out.position();
            for (Tensor t : tensors) {
                out.segment(t.data());
                long end = out.position() - dataStart;
                long padded = align(end, alignment);
                for (long i = end; i < padded; i++) out.u8(0);
            }
        });
    }

    private static long align(long x, int alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    private static void value(LittleEndianOutput out, GgufType type, GgufType elem, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8, BOOL -> out.u8(type == GgufType.BOOL ? ((Boolean) v ? 1 : 0) : (int) (long) (Long) v);
            case UINT16, INT16 -> out.u16((int) (long) (Long) v);
            case UINT32, INT32 -> out.u32((int) (long) (Long) v);
            case UINT64, INT64 -> out.u64((Long) v);
            case FLOAT32 -> out.u32(Float.floatToRawIntBits(((Number) v).floatValue()));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            case STRING -> out.string((String) v);
            case ARRAY -> {
                List<?> list = (List<?>) v;
                out.u32(elem.id());
                out.u64(list.size());
                for (Object o : list) {
                    if (elem == GgufType.ARRAY) {
                        GgufValue inner = (GgufValue) o;
                        value(out, GgufType.ARRAY, inner.elementType(), inner.value());
                    } else {
                        value(out, elem, null, o);
                    }
                }
            }
        }
    }
}
