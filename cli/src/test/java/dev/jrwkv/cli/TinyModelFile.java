package dev.jrwkv.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a minimal rwkv.cpp file (FP32, one layer, RWKV-4 shaped headers) with a chosen vocabulary,
 * for tests that need a model the fixtures do not have, e.g. one that is not byte-level.
 */
final class TinyModelFile {
    private TinyModelFile() {
    }

    static Path write(Path file, int vocab, int embd) throws IOException {
        int ffn = 2 * embd;
        ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x67676D66).putInt(101).putInt(vocab).putInt(embd).putInt(1).putInt(0);
        tensor(b, "emb.weight", vocab, embd);
        tensor(b, "blocks.0.ln1.weight", embd);
        tensor(b, "blocks.0.ffn.key.weight", ffn, embd);
        Files.write(file, java.util.Arrays.copyOf(b.array(), b.position()));
        return file;
    }

    /** One FP32 tensor of zeros; {@code shape} in PyTorch order (the file stores it reversed). */
    private static void tensor(ByteBuffer b, String name, int... shape) {
        byte[] key = name.getBytes(StandardCharsets.UTF_8);
        b.putInt(shape.length).putInt(key.length).putInt(0);
        long n = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            b.putInt(shape[i]);
            n *= shape[i];
        }
        b.put(key);
        for (long i = 0; i < n; i++) b.putFloat(0f);
    }
}
