package dev.jrwkv.model;

import dev.jrwkv.format.GgufFile;
import dev.jrwkv.format.ModelFiles;
import dev.jrwkv.format.ModelFormatException;
import dev.jrwkv.format.RwkvCppLayout;
import dev.jrwkv.format.TensorStore;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens any model file and presents it under the official RWKV-LM names and values: llama.cpp GGUF,
 * Hugging Face RWKV-7 ({@code model.safetensors}, or the folder holding it and {@code config.json}),
 * web-rwkv {@code .st} are detected from their content and translated by views; official {@code .pth}
 * and safetensors are already official.
 *
 * <pre>{@code
 * try (TensorStore official = OfficialTensors.open(Path.of("rwkv7-hf"), true)) { ... }
 * }</pre>
 */
public final class OfficialTensors {
    private OfficialTensors() {
    }

    /**
     * The tensors of {@code path} under official names. rwkv.cpp files stay in their own layout (the
     * models read it directly) unless {@code convertRwkvCpp}, which turns v6/v7 files into official
     * tensors (v4/v5 cannot be: their decays are stored as exponentials).
     */
    public static TensorStore open(Path path, boolean convertRwkvCpp) {
        TensorStore opened = ModelFiles.open(modelFile(path));
        try {
            if (opened instanceof GgufFile gguf) return LlamaCppNames.asOfficial(gguf);
            if (HfRwkv7Names.matches(opened)) return HfRwkv7Names.asOfficial(opened);
            if (WebRwkvNames.matches(opened)) return WebRwkvNames.asOfficial(opened);
            if (convertRwkvCpp && opened.format().equals("rwkv.cpp")) return RwkvCppLayout.toOfficial(opened);
            return opened;
        } catch (RuntimeException e) {
            opened.close();
            throw e;
        }
    }

    /** A Hugging Face model folder stands for its {@code model.safetensors}. */
    static Path modelFile(Path path) {
        if (!Files.isDirectory(path)) return path;
        Path st = path.resolve("model.safetensors");
        if (Files.isRegularFile(st)) return st;
        throw new ModelFormatException(path, "is a folder without model.safetensors (sharded Hugging Face checkpoints are not supported)");
    }
}
