package dev.jrwkv.model;

import dev.jrwkv.format.DerivedTensorStore;
import dev.jrwkv.format.GgufFile;
import dev.jrwkv.format.GgufValue;
import dev.jrwkv.format.GgufWriter;
import dev.jrwkv.format.ModelFormatException;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.QuantRounding;
import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * llama.cpp's names and transformations for RWKV-6 and RWKV-7 GGUF files ({@code convert_hf_to_gguf.py}),
 * both ways. llama.cpp renames ({@code emb.weight} → {@code token_embd.weight}, {@code blocks.N.att.key}
 * → {@code blk.N.time_mix_key}, ...), squeezes vectors, stacks the token-shift mixes into
 * {@code time_mix_lerp_fused} (v7: r, w, k, v, a, g; v6: w, k, v, r, g), transposes the LoRA factors,
 * flattens v7 {@code r_k}, gives v7 layer 0 dummy {@code v0/v1/v2} (copies of {@code a0/a1/a2}) and
 * divides v6 {@code time_mix_output}/{@code channel_mix_value} by {@code 2^(layer / rescale_every)}.
 *
 * <pre>{@code
 * TensorStore official = LlamaCppNames.asOfficial(GgufFile.open(Path.of("rwkv7.gguf")));
 * LlamaCppNames.writeGguf(official, Path.of("copy.gguf"), DType.Q8_0, new LinkedHashMap<>());
 * }</pre>
 */
public final class LlamaCppNames {
    private static final String[] V7_MIXES = {"x_r", "x_w", "x_k", "x_v", "x_a", "x_g"};
    private static final String[] V6_MIXES = {"time_maa_w", "time_maa_k", "time_maa_v", "time_maa_r", "time_maa_g"};
    private static final String[] V7_LORA = {"w1", "w2", "a1", "a2", "v1", "v2", "g1", "g2"};
    private static final String[] V7_VECTORS = {"w0", "a0", "v0", "k_k", "k_a"};

    private LlamaCppNames() {
    }

    /**
     * The official RWKV-LM names, shapes and values of a llama.cpp RWKV-6/7 GGUF (a view: matrices
     * and vectors share the file's bytes; transposed LoRA factors and rescaled v6 matrices are float32
     * copies). Closing the view closes the file.
     */
    public static TensorStore asOfficial(GgufFile gguf) {
        String arch = gguf.metadata().getOrDefault("general.architecture", "");
        if (!arch.equals("rwkv7") && !arch.equals("rwkv6")) {
            throw new ModelFormatException(gguf.path(), "GGUF architecture \"" + arch + "\" is not an RWKV model jrwkv can run (supported: rwkv6, rwkv7)");
        }
        Tensor emb = gguf.get("token_embd.weight");
        int C = Math.toIntExact(emb.dim(1));
        int N = intKey(gguf, arch + ".wkv.head_size");
        int layers = intKey(gguf, arch + ".block_count");
        if (N <= 0 || C % N != 0) throw new ModelFormatException(gguf.path(), arch + ".wkv.head_size " + N + " does not divide the width " + C);
        List<Tensor> out = new ArrayList<>();
        SequencedMap<String, Tensor> loras = new LinkedHashMap<>();      // stored [out, in]: transposed only if someone asks
        out.add(emb.rename("emb.weight"));
        out.add(gguf.get("token_embd_norm.weight").rename("blocks.0.ln0.weight"));
        out.add(gguf.get("token_embd_norm.bias").rename("blocks.0.ln0.bias"));
        for (int l = 0; l < layers; l++) {
            String g = "blk." + l + ".", b = "blocks." + l + ".", a = b + "att.", f = b + "ffn.";
            out.add(gguf.get(g + "attn_norm.weight").rename(b + "ln1.weight"));
            out.add(gguf.get(g + "attn_norm.bias").rename(b + "ln1.bias"));
            out.add(gguf.get(g + "attn_norm_2.weight").rename(b + "ln2.weight"));
            out.add(gguf.get(g + "attn_norm_2.bias").rename(b + "ln2.bias"));
            if (arch.equals("rwkv7")) {
                Tensor mixes = gguf.get(g + "time_mix_lerp_fused.weight");
                if (mixes.numel() != 6L * C) throw shape(gguf, mixes, "6 x " + C);
                Tensor six = mixes.reshape(6, 1, C);
                for (int i = 0; i < 6; i++) out.add(six.slice(i, 1).rename(a + V7_MIXES[i]));
                for (String v : V7_VECTORS) {
                    if (l == 0 && v.equals("v0")) continue;              // layer 0 has no value-residual gate
                    out.add(vector(gguf, g + "time_mix_" + v + ".weight", a + v, C));
                }
                for (String m : V7_LORA) {
                    if (l == 0 && m.startsWith("v")) continue;
                    Tensor lora = gguf.get(g + "time_mix_" + m + ".weight");
                    if (lora.rank() != 2) throw shape(gguf, lora, "a matrix");
                    loras.put(a + m, lora);
                }
                out.add(gguf.get(g + "time_mix_r_k.weight").reshape(C / N, N).rename(a + "r_k"));
                out.add(vector(gguf, g + "channel_mix_lerp_k.weight", f + "x_k", C));
            } else {
                int rescale = gguf.value("rwkv6.rescale_every_n_layers").map(v -> ((Number) v.value()).intValue()).orElse(0);
                float scale = rescale > 0 ? (float) Math.pow(2, l / rescale) : 1f;   // undoes the converter's division
                out.add(vector(gguf, g + "time_mix_lerp_x.weight", a + "time_maa_x", C));
                Tensor mixes = gguf.get(g + "time_mix_lerp_fused.weight");
                if (mixes.numel() != 5L * C) throw shape(gguf, mixes, "5 x " + C);
                Tensor five = mixes.reshape(5, 1, C);
                for (int i = 0; i < 5; i++) out.add(five.slice(i, 1).reshape(1, 1, C).rename(a + V6_MIXES[i]));
                out.add(gguf.get(g + "time_mix_w1.weight").transposed(a + "time_maa_w1"));
                Tensor w2 = gguf.get(g + "time_mix_w2.weight");         // [5, C, D] -> official [5, D, C]
                if (w2.rank() != 3) throw shape(gguf, w2, "[5, C, D]");
                out.add(swapLastAxes(w2, a + "time_maa_w2"));
                out.add(vector(gguf, g + "time_mix_decay.weight", a + "time_decay", C));
                out.add(gguf.get(g + "time_mix_decay_w1.weight").transposed(a + "time_decay_w1"));
                out.add(gguf.get(g + "time_mix_decay_w2.weight").transposed(a + "time_decay_w2"));
                out.add(gguf.get(g + "time_mix_first.weight").reshape(C / N, N).rename(a + "time_faaaa"));
                out.add(gguf.get(g + "time_mix_gate.weight").rename(a + "gate.weight"));
                out.add(vector(gguf, g + "channel_mix_lerp_k.weight", f + "time_maa_k", C));
                out.add(vector(gguf, g + "channel_mix_lerp_r.weight", f + "time_maa_r", C));
                out.add(gguf.get(g + "channel_mix_receptance.weight").rename(f + "receptance.weight"));
                out.add(scaled(gguf.get(g + "time_mix_output.weight"), a + "output.weight", scale));
                out.add(scaled(gguf.get(g + "channel_mix_value.weight"), f + "value.weight", scale));
            }
            out.add(gguf.get(g + "time_mix_receptance.weight").rename(a + "receptance.weight"));
            out.add(gguf.get(g + "time_mix_key.weight").rename(a + "key.weight"));
            out.add(gguf.get(g + "time_mix_value.weight").rename(a + "value.weight"));
            if (arch.equals("rwkv7")) out.add(gguf.get(g + "time_mix_output.weight").rename(a + "output.weight"));
            out.add(gguf.get(g + "time_mix_ln.weight").rename(a + "ln_x.weight"));
            out.add(gguf.get(g + "time_mix_ln.bias").rename(a + "ln_x.bias"));
            out.add(gguf.get(g + "channel_mix_key.weight").rename(f + "key.weight"));
            if (arch.equals("rwkv7")) out.add(gguf.get(g + "channel_mix_value.weight").rename(f + "value.weight"));
        }
        out.add(gguf.get("output_norm.weight").rename("ln_out.weight"));
        out.add(gguf.get("output_norm.bias").rename("ln_out.bias"));
        out.add(gguf.get("output.weight").rename("head.weight"));
        return new DerivedTensorStore(gguf, "gguf", out, loras, gguf.metadata());
    }

    /**
     * Writes an official RWKV-7 store as a GGUF file that llama.cpp loads (architecture {@code rwkv7},
     * its keys, names and transformations). The large matrices (embedding, head, r/k/v/o, FFN) take
     * {@code type}; vectors, mixes and LoRA factors stay float32. {@code extra} metadata (e.g. the
     * tokenizer: {@code tokenizer.ggml.model = "rwkv"}, {@code tokenizer.ggml.tokens}) is appended.
     */
    public static void writeGguf(TensorStore official, Path target, DType type, SequencedMap<String, GgufValue> extra) throws IOException {
        writeGguf(official, target, type, type, type, extra);
    }

    /**
     * As {@link #writeGguf(TensorStore, Path, DType, SequencedMap)}, with the embedding and the head
     * in their own types (quantized files keep them in float, as rwkv.cpp does).
     */
    public static void writeGguf(TensorStore official, Path target, DType type, DType embeddingType, DType headType,
                                 SequencedMap<String, GgufValue> extra) throws IOException {
        ModelConfig c = ModelConfig.detect(official);
        if (c.version() != Version.V7) throw new IllegalArgumentException("GGUF export is implemented for RWKV-7, not RWKV-" + c.version());
        if (c.layout() != Layout.OFFICIAL) throw new IllegalArgumentException("the store must hold official tensors, not " + c.layout());
        SequencedMap<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put("general.architecture", GgufValue.string("rwkv7"));
        meta.put("general.name", GgufValue.string(stem(official.path())));
        meta.put("rwkv7.context_length", GgufValue.u32(1048576));        // RWKV has no context limit
        meta.put("rwkv7.embedding_length", GgufValue.u32(c.embd()));
        meta.put("rwkv7.block_count", GgufValue.u32(c.layers()));
        meta.put("rwkv7.attention.layer_norm_epsilon", GgufValue.f32(RwkvModel.LN_EPS));
        meta.put("rwkv7.wkv.head_size", GgufValue.u32(c.headSize()));
        meta.put("rwkv7.attention.decay_lora_rank", GgufValue.u32(c.loraRanks().get("w")));
        meta.put("rwkv7.attention.iclr_lora_rank", GgufValue.u32(c.loraRanks().get("a")));
        meta.put("rwkv7.attention.value_residual_mix_lora_rank", GgufValue.u32(c.loraRanks().getOrDefault("v", c.loraRanks().get("a"))));
        meta.put("rwkv7.attention.gate_lora_rank", GgufValue.u32(c.loraRanks().get("g")));
        meta.put("rwkv7.feed_forward_length", GgufValue.u32(c.ffnDim()));
        meta.put("general.file_type", GgufValue.u32(fileType(type)));
        meta.put("rwkv7.attention.head_count", GgufValue.u32(0));        // required by llama.cpp, unused
        meta.putAll(extra);

        int C = c.embd();
        List<Tensor> t = new ArrayList<>();
        t.add(big(official, "emb.weight", "token_embd.weight", embeddingType));
        t.add(f32(official, "blocks.0.ln0.weight", "token_embd_norm.weight", C));
        t.add(f32(official, "blocks.0.ln0.bias", "token_embd_norm.bias", C));
        for (int l = 0; l < c.layers(); l++) {
            String g = "blk." + l + ".", b = "blocks." + l + ".", a = b + "att.", f = b + "ffn.";
            t.add(f32(official, b + "ln1.weight", g + "attn_norm.weight", C));
            t.add(f32(official, b + "ln1.bias", g + "attn_norm.bias", C));
            t.add(f32(official, b + "ln2.weight", g + "attn_norm_2.weight", C));
            t.add(f32(official, b + "ln2.bias", g + "attn_norm_2.bias", C));
            float[] mixes = new float[6 * C];
            for (int i = 0; i < 6; i++) System.arraycopy(vec(official, a + V7_MIXES[i], C), 0, mixes, i * C, C);
            t.add(Tensor.ofFloats(g + "time_mix_lerp_fused.weight", mixes, 6, 1, 1, C));
            for (String v : V7_VECTORS) {
                // layer 0 gets copies of a0/a1/a2 as v0/v1/v2: llama.cpp requires them, never uses them
                String src = l == 0 && v.equals("v0") ? "a0" : v;
                t.add(f32(official, a + src, g + "time_mix_" + v + ".weight", C));
            }
            for (String m : V7_LORA) {
                String src = l == 0 && m.startsWith("v") ? "a" + m.substring(1) : m;
                Tensor lora = official.get(a + src);
                t.add(lora.transposed(g + "time_mix_" + m + ".weight"));
            }
            t.add(f32(official, a + "r_k", g + "time_mix_r_k.weight", C));
            t.add(big(official, a + "key.weight", g + "time_mix_key.weight", type));
            t.add(big(official, a + "value.weight", g + "time_mix_value.weight", type));
            t.add(big(official, a + "receptance.weight", g + "time_mix_receptance.weight", type));
            t.add(f32(official, a + "ln_x.weight", g + "time_mix_ln.weight", C));
            t.add(f32(official, a + "ln_x.bias", g + "time_mix_ln.bias", C));
            t.add(big(official, a + "output.weight", g + "time_mix_output.weight", type));
            t.add(f32(official, f + "x_k", g + "channel_mix_lerp_k.weight", C));
            t.add(big(official, f + "key.weight", g + "channel_mix_key.weight", type));
            t.add(big(official, f + "value.weight", g + "channel_mix_value.weight", type));
        }
        t.add(f32(official, "ln_out.weight", "output_norm.weight", C));
        t.add(f32(official, "ln_out.bias", "output_norm.bias", C));
        t.add(big(official, "head.weight", "output.weight", headType));
        GgufWriter.write(target, meta, t);
    }

    /** llama.cpp's {@code general.file_type} (LLAMA_FTYPE): the type of most weights. */
    private static int fileType(DType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("cannot write " + type + " weights");
        };
    }

    private static Tensor big(TensorStore s, String name, String as, DType type) {
        Tensor t = s.get(name);
        if (t.type() == type) return t.rename(as);
        return Tensor.encode(as, t.toFloats(), type, QuantRounding.SEPARATE, t.shape());
    }

    private static Tensor f32(TensorStore s, String name, String as, int n) {
        return Tensor.ofFloats(as, vec(s, name, n), n);
    }

    private static float[] vec(TensorStore s, String name, int n) {
        Tensor t = s.get(name);
        if (t.numel() != n) throw new ModelFormatException(s.path(), "tensor " + name + " has " + t.numel() + " elements, expected " + n);
        return t.toFloats();
    }

    private static Tensor vector(TensorStore s, String name, String as, int C) {
        Tensor t = s.get(name);
        if (t.numel() != C) throw shape(s, t, C + " elements");
        return t.reshape(1, 1, C).rename(as);
    }

    private static Tensor swapLastAxes(Tensor t, String as) {
        int n0 = Math.toIntExact(t.dim(0)), n1 = Math.toIntExact(t.dim(1)), n2 = Math.toIntExact(t.dim(2));
        float[] v = t.toFloats(), out = new float[v.length];
        for (int i = 0; i < n0; i++) for (int r = 0; r < n1; r++) for (int c = 0; c < n2; c++) out[(i * n2 + c) * n1 + r] = v[(i * n1 + r) * n2 + c];
        return Tensor.ofFloats(as, out, n0, n2, n1);
    }

    private static Tensor scaled(Tensor t, String as, float scale) {
        if (scale == 1f) return t.rename(as);
        float[] v = t.toFloats();
        for (int i = 0; i < v.length; i++) v[i] *= scale;
        return Tensor.ofFloats(as, v, t.shape());
    }

    private static int intKey(GgufFile g, String key) {
        GgufValue v = g.value(key).orElseThrow(() -> new ModelFormatException(g.path(), "missing metadata " + key));
        if (!(v.value() instanceof Long n)) throw new ModelFormatException(g.path(), "metadata " + key + " is " + v.type() + ", expected an integer");
        if (n < 0 || n > Integer.MAX_VALUE) throw new ModelFormatException(g.path(), "metadata " + key + " = " + n + " is out of range");
        return (int) (long) n;
    }

    private static ModelFormatException shape(TensorStore s, Tensor t, String expected) {
        return new ModelFormatException(s.path(), "tensor " + t + " has the wrong shape, expected " + expected);
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
