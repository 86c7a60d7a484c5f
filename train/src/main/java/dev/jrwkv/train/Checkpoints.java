package dev.jrwkv.train;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.format.PyTorchWriter;
import dev.jrwkv.format.SafetensorsWriter;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.QuantRounding;
import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
            out.put(p.name(), Tensor.encode(p.name(), p.data(), type, QuantRounding.SEPARATE, shape));
        }
        return out;
    }

    public static void writeSafetensors(Path path, Parameters params, DType type, Map<String, String> metadata) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(metadata);
        try {
            SafetensorsWriter.write(path, new ArrayList<>(tensors(params, type).values()), type, meta);
        } catch (IOException e) {
            throw new JrwkvException("cannot write checkpoint " + path + ": " + e.getMessage(), e);
        }
    }

    /** Writes the parameters as an official {@code .pth} ({@code torch.save} layout, readable by the official code). */
    public static void writePyTorch(Path path, Parameters params, DType type) {
        try {
            PyTorchWriter.write(path, PyTorchWriter.archiveName(path), new ArrayList<>(tensors(params, type).values()), type);
        } catch (IOException e) {
            throw new JrwkvException("cannot write checkpoint " + path + ": " + e.getMessage(), e);
        }
    }
}
