package dev.jrwkv.model;

import dev.jrwkv.format.ModelFormatException;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shape of an RWKV model, detected from tensor names and shapes (no flags needed).
 *
 * @param version   architecture version
 * @param layout    how the file stores the official weights
 * @param layers    number of blocks
 * @param embd      model width C
 * @param heads     heads H (v4: 1, a single "head" of width C, for uniform sizes)
 * @param headSize  head size N = C / H
 * @param vocab     vocabulary size V
 * @param ffnDim    channel-mix hidden width
 * @param loraRanks low-rank sizes by name: v6 {@code maa}, {@code decay}; v7 {@code w}, {@code a}, {@code v}, {@code g}
 */
public record ModelConfig(Version version, Layout layout, int layers, int embd, int heads, int headSize,
                          int vocab, int ffnDim, Map<String, Integer> loraRanks) {

    public ModelConfig {
        loraRanks = Map.copyOf(loraRanks);
    }

    /** Detects version, layout and sizes; a {@link ModelFormatException} if the tensors are not an RWKV model. */
    public static ModelConfig detect(TensorStore store) {
        Layout layout = switch (store.format()) {
            case "rwkv.cpp" -> Layout.RWKV_CPP;
            default -> Layout.OFFICIAL;
        };
        Tensor emb = store.find("emb.weight").orElseThrow(() ->
                new ModelFormatException(store.path(), "not an RWKV model: no tensor emb.weight"));
        if (emb.rank() != 2) throw new ModelFormatException(store.path(), "emb.weight must be 2-D, is " + emb);
        int vocab = dim(store, emb, 0);
        int embd = dim(store, emb, 1);
        int layers = 0;
        while (store.contains("blocks." + layers + ".ln1.weight")) layers++;
        if (layers == 0) throw new ModelFormatException(store.path(), "not an RWKV model: no blocks.0.ln1.weight");
        int ffnDim = dim(store, store.get("blocks.0.ffn.key.weight"), 0);

        String a = "blocks.0.att.";
        Map<String, Integer> ranks = new LinkedHashMap<>();
        Version version;
        int heads;
        if (store.contains(a + "r_k") || store.contains(a + "k_k")) {
            version = Version.V7;
            heads = dim(store, store.get(a + "r_k"), 0);
            for (String lora : new String[] {"w", "a", "g"}) ranks.put(lora, rank(store, layout, a + lora + "1"));
            if (layers > 1) ranks.put("v", rank(store, layout, "blocks.1.att.v1"));
        } else if (store.contains(a + "time_maa_x")) {
            version = Version.V6;
            heads = dim(store, store.get(a + "time_faaaa"), 0);
            Tensor w2 = store.get(a + "time_maa_w2");
            ranks.put("maa", dim(store, w2, layout == Layout.OFFICIAL ? 1 : 2));
            ranks.put("decay", rank(store, layout, a + "time_decay_w1"));
        } else if (store.contains(a + "ln_x.weight")) {
            Tensor decay = store.get(a + "time_decay");
            heads = dim(store, decay, 0);
            boolean perChannel = decay.numel() > heads;
            boolean gated = store.contains(a + "gate.weight");
            version = perChannel ? Version.V5_2 : gated ? Version.V5_1 : Version.V5_0;
        } else {
            version = Version.V4;
            heads = 1;
        }
        if (heads <= 0 || embd % heads != 0) {
            throw new ModelFormatException(store.path(), "width " + embd + " is not a multiple of the head count " + heads);
        }
        return new ModelConfig(version, layout, layers, embd, heads, embd / heads, vocab, ffnDim, ranks);
    }

    /** Low-rank size of a first LoRA factor: official {@code [C, D]}, rwkv.cpp transposed {@code [D, C]}. */
    private static int rank(TensorStore store, Layout layout, String name) {
        var stored = store.findTransposed(name);                       // a shape only: no need for the transposed copy
        if (stored.isPresent()) return dim(store, stored.get(), layout == Layout.OFFICIAL ? 0 : 1);
        Tensor t = store.get(name);
        return dim(store, t, layout == Layout.OFFICIAL ? 1 : 0);
    }

    /** Size of {@code axis} of {@code t}; a {@link ModelFormatException} naming the tensor when it has no such axis or it is absurd. */
    private static int dim(TensorStore store, Tensor t, int axis) {
        if (axis >= t.rank()) {
            throw new ModelFormatException(store.path(), "tensor " + t.name() + " has shape " + java.util.Arrays.toString(t.shape())
                    + ", expected at least " + (axis + 1) + " dimensions");
        }
        long d = t.dim(axis);
        if (d > Integer.MAX_VALUE - 8) throw new ModelFormatException(store.path(), "tensor " + t.name() + " dimension " + axis + " is " + d + ": too large");
        return (int) d;
    }

    /** The same shape under another layout (to compare models read from different formats). */
    public ModelConfig withLayout(Layout other) {
        return new ModelConfig(version, other, layers, embd, heads, headSize, vocab, ffnDim, loraRanks);
    }

    /** Float count of a state: per layer, token shifts for time and channel mix plus the WKV state. */
    public int stateSize() {
        return layers * layerStateSize();
    }

    /** Floats per layer in a {@link State}. */
    public int layerStateSize() {
        return version == Version.V4 ? 5 * embd : 2 * embd + heads * headSize * headSize;
    }

    /** A one-line summary, e.g. {@code RWKV-7 L12 D64 H1xN64 V256 ffn256}. */
    public String summary() {
        return "RWKV-" + version + " L" + layers + " D" + embd + (version == Version.V4 ? "" : " H" + heads + "xN" + headSize)
                + " V" + vocab + " ffn" + ffnDim + (loraRanks.isEmpty() ? "" : " lora" + loraRanks);
    }
}
