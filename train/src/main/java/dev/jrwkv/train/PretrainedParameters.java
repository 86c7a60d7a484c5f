package dev.jrwkv.train;

import dev.jrwkv.format.GgufFile;
import dev.jrwkv.format.ModelFiles;
import dev.jrwkv.format.ModelFormatException;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.model.Layout;
import dev.jrwkv.model.LlamaCppNames;
import dev.jrwkv.model.ModelConfig;
import dev.jrwkv.model.Version;
import dev.jrwkv.tensor.Tensor;

import java.nio.file.Path;

/**
 * Reads an RWKV-7 checkpoint in any format jrwkv reads (official {@code .pth}, safetensors,
 * rwkv.cpp, GGUF) into trainable {@link Parameters}: the start of fine-tuning ({@code --init}).
 * The shape (layers, width, head size, LoRA ranks, vocabulary) is taken from the tensors; rwkv.cpp's
 * concatenated mixes and transposed LoRA factors are put back in the official layout.
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
            ModelShape shape = new ModelShape(c.vocab(), c.layers(), c.embd(), c.headSize(),
                    c.loraRanks().get("w"), c.loraRanks().get("a"), c.loraRanks().getOrDefault("v", 32), c.loraRanks().get("g"));
            boolean cpp = c.layout() == Layout.RWKV_CPP;
            Parameters p = Parameters.zeros(shape);
            int C = shape.embd();
            for (Param param : p.all().values()) {
                String name = param.name();
                int mix = MIXES.indexOf(name.substring(name.lastIndexOf('.') + 1));
                if (cpp && name.contains(".att.") && mix >= 0) {
                    // rwkv.cpp concatenates the six mixes, in the order r w k v a g, into x_rwkvag [6, 1, C]
                    String all = name.substring(0, name.lastIndexOf('.') + 1) + "x_rwkvag";
                    float[] v = checked(find(store, file, all), 6L * C, all, file);
                    System.arraycopy(v, mix * C, param.data(), 0, C);
                    continue;
                }
                float[] v = checked(find(store, file, name), param.size(), name + " " + java.util.Arrays.toString(param.shape()), file);
                if (cpp && LORA.matcher(name).matches()) {
                    int rows = param.shape()[0], cols = param.shape()[1];       // rwkv.cpp stores the factor transposed
                    for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) param.data()[i * cols + j] = v[j * rows + i];
                } else {
                    System.arraycopy(v, 0, param.data(), 0, v.length);
                }
            }
            return p;
        }
    }

    private static final java.util.List<String> MIXES = java.util.List.of("x_r", "x_w", "x_k", "x_v", "x_a", "x_g");
    private static final java.util.regex.Pattern LORA = java.util.regex.Pattern.compile("blocks\\.\\d+\\.att\\.[wavg][12]");

    private static float[] checked(Tensor t, long expected, String what, Path file) {
        if (t.numel() != expected) throw new ModelFormatException(file, t.name() + " has " + t.numel() + " elements, expected " + expected + " (" + what + ")");
        return t.toFloats();
    }

    private static Tensor find(TensorStore store, Path file, String name) {
        return store.find(name).orElseThrow(() -> new ModelFormatException(file, "missing tensor " + name));
    }

}
