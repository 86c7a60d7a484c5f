package dev.jrwkv.model;

import dev.jrwkv.format.DerivedTensorStore;
import dev.jrwkv.format.ModelFormatException;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face RWKV-7 layout ({@code RWKV7ForCausalLM}, as flash-linear-attention's
 * {@code convert_from_rwkv7.py} writes it and fla-hub / rwkv-rs publish it), both ways:
 * {@code emb.weight} → {@code model.embeddings.weight}, {@code blocks.N.ln0/ln1/ln2} →
 * {@code model.layers.N.pre_norm/attn_norm/ffn_norm}, {@code att.receptance/key/value/output} →
 * {@code attn.r_proj/k_proj/v_proj/o_proj}, {@code att.ln_x} → {@code attn.g_norm}, the LoRA factors
 * {@code X1}, {@code X2} transposed into {@code X_lora.lora.0.weight}, {@code X_lora.lora.2.weight} and
 * {@code X0} into {@code X_lora.lora.2.bias}, vectors {@code [1,1,C]} squeezed to {@code [C]} except
 * the attention token-shift mixes {@code attn.x_*}, {@code ln_out} → {@code model.norm},
 * {@code head} → {@code lm_head}. Layer 0 has no value LoRA.
 *
 * <pre>{@code
 * TensorStore official = HfRwkv7Names.asOfficial(SafetensorsFile.open(Path.of("model.safetensors")));
 * }</pre>
 */
public final class HfRwkv7Names {
    /** Official attention names and their Hugging Face names (plain renames). */
    private static final Map<String, String> ATT = Map.of(
            "receptance.weight", "r_proj.weight", "key.weight", "k_proj.weight", "value.weight", "v_proj.weight",
            "output.weight", "o_proj.weight", "ln_x.weight", "g_norm.weight", "ln_x.bias", "g_norm.bias");
    private static final String[] MIXES = {"x_r", "x_w", "x_k", "x_v", "x_a", "x_g"};

    private HfRwkv7Names() {
    }

    /** Whether {@code store} holds the Hugging Face RWKV-7 names. */
    public static boolean matches(TensorStore store) {
        return store.contains("model.embeddings.weight") && store.contains("model.layers.0.attn.r_proj.weight");
    }

    /** The official names, shapes and values (a view; transposed LoRA factors are float32 copies). Closing it closes {@code hf}. */
    public static TensorStore asOfficial(TensorStore hf) {
        if (!matches(hf)) throw new ModelFormatException(hf.path(), "not a Hugging Face RWKV-7 file (no model.embeddings.weight / model.layers.0.attn.r_proj.weight)");
        Tensor emb = hf.get("model.embeddings.weight");
        if (emb.rank() != 2) throw new ModelFormatException(hf.path(), "model.embeddings.weight must be 2-D, is " + emb);
        int C = Math.toIntExact(emb.dim(1));
        List<Tensor> out = new ArrayList<>();
        out.add(emb.rename("emb.weight"));
        int layers = 0;
        while (hf.contains("model.layers." + layers + ".attn_norm.weight")) layers++;
        for (int l = 0; l < layers; l++) {
            String h = "model.layers." + l + ".", b = "blocks." + l + ".";
            if (l == 0) {
                out.add(vector(hf, h + "pre_norm.weight", b + "ln0.weight", C, false));
                out.add(vector(hf, h + "pre_norm.bias", b + "ln0.bias", C, false));
            }
            out.add(vector(hf, h + "attn_norm.weight", b + "ln1.weight", C, false));
            out.add(vector(hf, h + "attn_norm.bias", b + "ln1.bias", C, false));
            out.add(vector(hf, h + "ffn_norm.weight", b + "ln2.weight", C, false));
            out.add(vector(hf, h + "ffn_norm.bias", b + "ln2.bias", C, false));
            for (String m : MIXES) out.add(vector(hf, h + "attn." + m, b + "att." + m, C, true));
            for (String x : new String[] {"w", "a", "v", "g"}) {
                if (x.equals("v") && l == 0) continue;                     // layer 0 sets v_first = v
                String lora = h + "attn." + x + "_lora.lora.";
                if (!x.equals("g")) out.add(vector(hf, lora + "2.bias", b + "att." + x + "0", C, true));
                out.add(hf.get(lora + "0.weight").transposed(b + "att." + x + "1"));
                out.add(hf.get(lora + "2.weight").transposed(b + "att." + x + "2"));
            }
            out.add(vector(hf, h + "attn.k_k", b + "att.k_k", C, true));
            out.add(vector(hf, h + "attn.k_a", b + "att.k_a", C, true));
            out.add(hf.get(h + "attn.r_k").rename(b + "att.r_k"));
            for (var e : ATT.entrySet()) out.add(hf.get(h + "attn." + e.getValue()).rename(b + "att." + e.getKey()));
            out.add(vector(hf, h + "ffn.x_k", b + "ffn.x_k", C, true));
            out.add(hf.get(h + "ffn.key.weight").rename(b + "ffn.key.weight"));
            out.add(hf.get(h + "ffn.value.weight").rename(b + "ffn.value.weight"));
        }
        out.add(vector(hf, "model.norm.weight", "ln_out.weight", C, false));
        out.add(vector(hf, "model.norm.bias", "ln_out.bias", C, false));
        out.add(hf.get("lm_head.weight").rename("head.weight"));
        return new DerivedTensorStore(hf, "hf-rwkv7", out, hf.metadata());
    }

    /** The Hugging Face tensors of an official RWKV-7 store, in fla's state-dict order. */
    public static List<Tensor> fromOfficial(TensorStore official, ModelConfig c) {
        if (c.version() != Version.V7) throw new IllegalArgumentException("the Hugging Face RWKV7ForCausalLM layout holds RWKV-7, not RWKV-" + c.version());
        int C = c.embd();
        List<Tensor> out = new ArrayList<>();
        out.add(official.get("emb.weight").rename("model.embeddings.weight"));
        for (int l = 0; l < c.layers(); l++) {
            String h = "model.layers." + l + ".", b = "blocks." + l + ".";
            if (l == 0) {
                out.add(official.get(b + "ln0.weight").reshape(C).rename(h + "pre_norm.weight"));
                out.add(official.get(b + "ln0.bias").reshape(C).rename(h + "pre_norm.bias"));
            }
            out.add(official.get(b + "ln1.weight").reshape(C).rename(h + "attn_norm.weight"));
            out.add(official.get(b + "ln1.bias").reshape(C).rename(h + "attn_norm.bias"));
            for (String m : MIXES) out.add(official.get(b + "att." + m).reshape(1, 1, C).rename(h + "attn." + m));
            out.add(official.get(b + "att.k_k").reshape(C).rename(h + "attn.k_k"));
            out.add(official.get(b + "att.k_a").reshape(C).rename(h + "attn.k_a"));
            out.add(official.get(b + "att.r_k").rename(h + "attn.r_k"));
            out.add(official.get(b + "att.receptance.weight").rename(h + "attn.r_proj.weight"));
            out.add(official.get(b + "att.key.weight").rename(h + "attn.k_proj.weight"));
            out.add(official.get(b + "att.value.weight").rename(h + "attn.v_proj.weight"));
            out.add(official.get(b + "att.output.weight").rename(h + "attn.o_proj.weight"));
            for (String x : new String[] {"w", "a", "v", "g"}) {
                if (x.equals("v") && l == 0) continue;
                String lora = h + "attn." + x + "_lora.lora.";
                out.add(official.get(b + "att." + x + "1").transposed(lora + "0.weight"));
                out.add(official.get(b + "att." + x + "2").transposed(lora + "2.weight"));
                if (!x.equals("g")) out.add(official.get(b + "att." + x + "0").reshape(C).rename(lora + "2.bias"));
            }
            out.add(official.get(b + "att.ln_x.weight").reshape(C).rename(h + "attn.g_norm.weight"));
            out.add(official.get(b + "att.ln_x.bias").reshape(C).rename(h + "attn.g_norm.bias"));
            out.add(official.get(b + "ln2.weight").reshape(C).rename(h + "ffn_norm.weight"));
            out.add(official.get(b + "ln2.bias").reshape(C).rename(h + "ffn_norm.bias"));
            out.add(official.get(b + "ffn.x_k").reshape(C).rename(h + "ffn.x_k"));
            out.add(official.get(b + "ffn.key.weight").rename(h + "ffn.key.weight"));
            out.add(official.get(b + "ffn.value.weight").rename(h + "ffn.value.weight"));
        }
        out.add(official.get("ln_out.weight").reshape(C).rename("model.norm.weight"));
        out.add(official.get("ln_out.bias").reshape(C).rename("model.norm.bias"));
        out.add(official.get("head.weight").rename("lm_head.weight"));
        return out;
    }

    /** The {@code config.json} that goes beside {@code model.safetensors} (fla's RWKV7Config fields). */
    public static Map<String, Object> config(ModelConfig c, String torchDtype) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", List.of("RWKV7ForCausalLM"));
        m.put("model_type", "rwkv7");
        m.put("attn_mode", "chunk");
        m.put("hidden_size", c.embd());
        m.put("hidden_ratio", (double) c.ffnDim() / c.embd());
        m.put("intermediate_size", c.ffnDim());
        m.put("num_hidden_layers", c.layers());
        m.put("head_dim", c.headSize());
        m.put("num_heads", c.heads());
        m.put("decay_low_rank_dim", c.loraRanks().get("w"));
        m.put("a_low_rank_dim", c.loraRanks().get("a"));
        m.put("v_low_rank_dim", c.loraRanks().getOrDefault("v", 32));
        m.put("gate_low_rank_dim", c.loraRanks().get("g"));
        m.put("hidden_act", "sqrelu");
        m.put("norm_first", true);
        m.put("norm_bias", true);
        m.put("norm_eps", 1e-5);
        m.put("value_dim", java.util.Collections.nCopies(c.layers(), c.embd()));
        m.put("vocab_size", c.vocab());
        m.put("tie_word_embeddings", false);
        m.put("use_cache", true);
        m.put("torch_dtype", torchDtype);
        return m;
    }

    private static Tensor vector(TensorStore s, String name, String as, int C, boolean official3d) {
        Tensor t = s.get(name);
        if (t.numel() != C) throw new ModelFormatException(s.path(), "tensor " + t + " should hold " + C + " elements");
        return (official3d ? t.reshape(1, 1, C) : t.reshape(C)).rename(as);
    }
}
