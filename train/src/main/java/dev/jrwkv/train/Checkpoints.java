package dev.jrwkv.train;

import dev.jrwkv.format.SafetensorsWriter;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.LittleEndian;
import dev.jrwkv.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Model checkpoints in the official layout: safetensors with the official names, shapes and
 * order, in F32 or BF16 (round to nearest even), readable by {@code Model.load} and by the
 * official code ({@code safetensors.torch.load_file}).
 *
 * <pre>{@code
 * Checkpoints.writeSafetensors(Path.of("rwkv7.safetensors"), params, DType.BF16, Map.of("step", "1000"));
 * }</pre>
 */
public final class Checkpoints {
    private Checkpoints() {
    }

    /** The parameters as tensors under their official names (copies). */
    public static SequencedMap<String, Tensor> tensors(Parameters params, DType type) {
        if (type != DType.F32 && type != DType.BF16) throw new IllegalArgumentException("checkpoints are F32 or BF16, not " + type);
        SequencedMap<String, Tensor> out = new LinkedHashMap<>();
        for (Param p : params.all().values()) {
            long[] shape = new long[p.shape().length];
            for (int i = 0; i < shape.length; i++) shape[i] = p.shape()[i];
            if (type == DType.F32) {
                out.put(p.name(), Tensor.ofFloats(p.name(), p.data(), shape));
            } else {
                float[] v = p.data();
                MemorySegment seg = Arena.ofAuto().allocate(2L * v.length, 64);
                for (int i = 0; i < v.length; i++) seg.setAtIndex(LittleEndian.SHORT, i, toBf16(v[i]));
                out.put(p.name(), new Tensor(p.name(), DType.BF16, shape, seg));
            }
        }
        return out;
    }

    public static void writeSafetensors(Path path, Parameters params, DType type, Map<String, String> metadata) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(metadata);
        SafetensorsWriter.write(path, tensors(params, type), meta);
    }

    /** float → bfloat16 bits, round to nearest even (NaN stays NaN). */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }
}
