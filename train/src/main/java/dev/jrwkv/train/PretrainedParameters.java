package dev.jrwkv.train;

import dev.jrwkv.format.GgufFile;
import dev.jrwkv.format.ModelFiles;
import dev.jrwkv.format.ModelFormatException;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.model.LlamaCppNames;
import dev.jrwkv.model.ModelConfig;
import dev.jrwkv.model.Version;
import dev.jrwkv.tensor.Tensor;

import java.nio.file.Path;

/**
 * Reads an RWKV-7 checkpoint in any format jrwkv reads (official {@code .pth}, safetensors,
 * rwkv.cpp, GGUF) into trainable {@link Parameters}: the start of fine-tuning ({@code --init}).
 * The shape (layers, width, head size, LoRA ranks, vocabulary) is taken from the tensors.
 *
 * <pre>{@code
 * Parameters p = PretrainedParameters.load(Path.of("rwkv7-g1-0.1b.pth"));
 * }</pre>
 */
public final class PretrainedParameters {
    private PretrainedParameters() {
    }

    public static Parameters load(Path file) {
        TensorStore opened = ModelFiles.open(file);
        try (TensorStore store = opened instanceof GgufFile gguf ? LlamaCppNames.asOfficial(gguf) : opened) {
            ModelConfig c = ModelConfig.detect(store);
            if (c.version() != Version.V7) throw new ModelFormatException(file, "is RWKV " + c.version() + "; training needs an RWKV-7 model");
            ModelShape shape = new ModelShape(Math.toIntExact(find(store, file, "emb.weight").dim(0)), c.layers(), c.embd(), c.headSize(),
                    rank(store, file, "blocks.0.att.w1"), rank(store, file, "blocks.0.att.a1"),
                    c.layers() > 1 ? rank(store, file, "blocks.1.att.v1") : 32, rank(store, file, "blocks.0.att.g1"));
            Parameters p = Parameters.zeros(shape);
            for (Param param : p.all().values()) {
                Tensor t = find(store, file, param.name());
                if (t.numel() != param.size()) {
                    throw new ModelFormatException(file, param.name() + " has " + t.numel() + " elements, expected " + param + " for " + shape);
                }
                float[] v = t.toFloats();
                System.arraycopy(v, 0, param.data(), 0, v.length);
            }
            return p;
        }
    }

    private static Tensor find(TensorStore store, Path file, String name) {
        return store.find(name).orElseThrow(() -> new ModelFormatException(file, "missing tensor " + name));
    }

    /** The low-rank size of a LoRA factor stored [C, D]. */
    private static int rank(TensorStore store, Path file, String name) {
        Tensor t = find(store, file, name);
        return Math.toIntExact(t.dim(t.rank() - 1));
    }
}
