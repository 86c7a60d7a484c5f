package dev.jrwkv.format;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a model file of any supported format, chosen by its first bytes (never by its extension).
 *
 * <pre>{@code
 * try (TensorStore store = ModelFiles.open(Path.of("RWKV-x070-World-0.1B.pth"))) { ... }
 * }</pre>
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    /** The tensors of {@code path}; a {@link ModelFormatException} when it is not a model file we can read. */
    public static TensorStore open(Path path) {
        if (!Files.isRegularFile(path)) throw new ModelFormatException(path, "no such file");
        byte[] head = new byte[16];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot read: " + e.getMessage(), e);
        }
        if (n >= 4 && head[0] == 'f' && head[1] == 'm' && head[2] == 'g' && head[3] == 'g') return RwkvCppFile.open(path);
        // GGUF (llama.cpp)
        if (n >= 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F') return GgufFile.open(path);
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return PyTorchFile.open(path);
        // safetensors: a little-endian header length below 4 GiB (its reader checks the exact bound), then the JSON's '{'
        if (n >= 9 && head[8] == '{' && head[4] == 0 && head[5] == 0 && head[6] == 0 && head[7] == 0) return SafetensorsFile.open(path);
        if (n >= 2 && (head[0] & 0xFF) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            throw new ModelFormatException(path, "a bare pickle: the legacy PyTorch format (torch < 1.6 or _use_new_zipfile_serialization=False)"
                    + " is not supported; re-save it with a current torch.save");
        }
        throw new ModelFormatException(path, "unknown model format (first bytes " + hex(head, n)
                + "); supported: rwkv.cpp .bin, PyTorch .pth, .safetensors, GGUF");
    }

    private static String hex(byte[] b, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, 8); i++) sb.append(String.format("%02x", b[i] & 0xFF));
        return sb.toString();
    }
}
