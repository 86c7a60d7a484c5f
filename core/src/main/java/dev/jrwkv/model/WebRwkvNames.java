package dev.jrwkv.model;

import dev.jrwkv.format.DerivedTensorStore;
import dev.jrwkv.format.ModelFormatException;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The web-rwkv / Ai00 {@code .st} layout (their {@code convert_safetensors.py}), both ways, for RWKV-6
 * and RWKV-7: safetensors in F16 with the official names, except that v6 {@code time_maa} is renamed
 * {@code time_mix} and {@code time_faaaa} {@code time_first}, and the LoRA factors are stored
 * transposed (v7 {@code w1 w2 a1 a2 v1 v2 g1 g2}; v6 {@code time_mix_w1}, {@code time_decay_w1/w2} and
 * the last two axes of {@code time_mix_w2}).
 *
 * <p>Detected by the v6 names, or for v7 by the LoRA shapes ({@code w1} is {@code [D, C]} instead of
 * the official {@code [C, D]}); when the rank equals the width the shapes cannot tell, and the
 * {@code .st} extension decides.
 *
 * <pre>{@code
 * TensorStore store = SafetensorsFile.open(Path.of("model.st"));
 * if (WebRwkvNames.matches(store)) store = WebRwkvNames.asOfficial(store);
 * }</pre>
 */
public final class WebRwkvNames {
    private static final String[] V7_LORA = {"w1", "w2", "a1", "a2", "v1", "v2", "g1", "g2"};
    private static final String[] V6_TRANSPOSED = {"time_maa_w1", "time_decay_w1", "time_decay_w2"};

    private WebRwkvNames() {
    }

    /** Whether {@code store} (a safetensors file) holds the web-rwkv layout. */
    public static boolean matches(TensorStore store) {
        if (!store.format().equals("safetensors") || !store.contains("emb.weight")) return false;
        if (store.contains("blocks.0.att.time_mix_x")) return true;                 // v6 renamed time_maa_x
        if (!store.contains("blocks.0.att.w1") || !store.contains("blocks.0.att.w2")) return false;
        long C = store.get("emb.weight").dim(1);
        Tensor w1 = store.get("blocks.0.att.w1");
        if (w1.rank() != 2) return false;
        if (w1.dim(0) == C && w1.dim(1) == C) return store.path().getFileName().toString().endsWith(".st");
        return w1.dim(1) == C;
    }

    /** Official names, shapes and values (a view; the transposed factors are float32 copies). Closing it closes {@code st}. */
    public static TensorStore asOfficial(TensorStore st) {
        boolean v6 = st.contains("blocks.0.att.time_mix_x");
        List<Tensor> out = new ArrayList<>();
        for (String name : st.names()) {
            Tensor t = st.get(name);
            if (v6) {
                String n = name.replace(".time_mix_", ".time_maa_").replace(".time_first", ".time_faaaa");
                if (endsWithAny(n, V6_TRANSPOSED)) out.add(t.transposed(n));
                else if (n.endsWith(".att.time_maa_w2")) out.add(swapLastAxes(st, t, n));
                else out.add(t.rename(n));
            } else {
                out.add(name.contains(".att.") && endsWithAny(name, V7_LORA) ? t.transposed(name) : t);
            }
        }
        return new DerivedTensorStore(st, "web-rwkv", out, st.metadata());
    }

    /** The web-rwkv tensors of an official RWKV-6 or RWKV-7 store, in its order (types unchanged: the writer converts them). */
    public static List<Tensor> fromOfficial(TensorStore official, ModelConfig c) {
        if (c.version() != Version.V7 && c.version() != Version.V6) {
            throw new IllegalArgumentException("the web-rwkv .st export is implemented for RWKV-6 and RWKV-7, not RWKV-" + c.version());
        }
        List<Tensor> out = new ArrayList<>();
        for (String name : official.names()) {
            Tensor t = official.get(name);
            if (c.version() == Version.V6) {
                String n = name.replace(".time_maa_", ".time_mix_").replace(".time_faaaa", ".time_first");
                if (endsWithAny(name, V6_TRANSPOSED)) out.add(t.transposed(n));
                else if (name.endsWith(".att.time_maa_w2")) out.add(swapLastAxes(official, t, n));
                else out.add(t.rename(n));
            } else {
                out.add(name.contains(".att.") && endsWithAny(name, V7_LORA) ? t.transposed(name) : t);
            }
        }
        return out;
    }

    private static Tensor swapLastAxes(TensorStore s, Tensor t, String as) {
        if (t.rank() != 3) throw new ModelFormatException(s.path(), "tensor " + t + " should be 3-D");
        int n0 = Math.toIntExact(t.dim(0)), n1 = Math.toIntExact(t.dim(1)), n2 = Math.toIntExact(t.dim(2));
        float[] v = t.toFloats(), o = new float[v.length];
        for (int i = 0; i < n0; i++) for (int r = 0; r < n1; r++) for (int c = 0; c < n2; c++) o[(i * n2 + c) * n1 + r] = v[(i * n1 + r) * n2 + c];
        return Tensor.ofFloats(as, o, n0, n2, n1);
    }

    private static boolean endsWithAny(String name, String[] suffixes) {
        for (String s : suffixes) if (name.endsWith("." + s)) return true;
        return false;
    }
}
