package dev.jrwkv.model;

import dev.jrwkv.format.ModelFormatException;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Tensor;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Reads one model's weights out of a {@link TensorStore} into runtime form, checking every shape:
 * vectors are copied to float arrays (they are small), matrices stay in their stored type and memory.
 */
final class WeightReader {
    private final TensorStore store;
    private final ModelConfig config;

    WeightReader(TensorStore store, ModelConfig config) {
        this.store = store;
        this.config = config;
    }

    Layout layout() {
        return config.layout();
    }

    boolean has(String name) {
        return store.contains(name);
    }

    /** A tensor with {@code n} elements, whatever its size-1 axes, as floats. */
    float[] vector(String name, int n) {
        Tensor t = store.get(name);
        if (t.numel() != n) throw shape(t, "" + n + " elements");
        return t.toFloats();
    }

    /** A matrix {@code [out, in]}, kept in its stored type. */
    Tensor matrix(String name, int out, int in) {
        Tensor t = store.get(name);
        if (t.numel() != (long) out * in || t.cols() != in) throw shape(t, "[" + out + ", " + in + "]");
        return t.rank() == 2 ? t : t.reshape(out, in);
    }

    /**
     * A LoRA factor used as {@code y = W x} with W {@code [out, in]}. Official files store it for
     * {@code x @ W} ({@code [in, out]}) and are transposed once here; rwkv.cpp's converter already did.
     */
    Tensor lora(String name, int out, int in) {
        if (config.layout() == Layout.RWKV_CPP) return matrix(name, out, in);
        var stored = store.findTransposed(name);                      // a GGUF holds it [out, in] already: use its bytes
        if (stored.isPresent()) {
            Tensor m = stored.get();
            if (m.rows() != out || m.cols() != in) throw shape(m, "[" + out + ", " + in + "]");
            return m;
        }
        Tensor t = store.get(name);
        if (t.numel() != (long) out * in || t.cols() != out) throw shape(t, "[" + in + ", " + out + "]");
        return (t.rank() == 2 ? t : t.reshape(in, out)).transposed(name + ".T");
    }

    private ModelFormatException shape(Tensor t, String expected) {
        return new ModelFormatException(store.path(), "tensor " + t.name() + " has shape " + Arrays.toString(t.shape())
                + ", expected " + expected + " for " + config.summary());
    }

    /** SHA-256 over ln_out's float values: the same for every format of one model. */
    String fingerprint() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(config.summary().replaceAll(" lora.*", "").getBytes(StandardCharsets.UTF_8));
            for (String n : new String[] {"ln_out.weight", "ln_out.bias"}) {
                for (float f : store.get(n).toFloats()) {
                    int b = Float.floatToIntBits(f);
                    md.update(new byte[] {(byte) b, (byte) (b >> 8), (byte) (b >> 16), (byte) (b >> 24)});
                }
            }
            return HexFormat.of().formatHex(md.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
