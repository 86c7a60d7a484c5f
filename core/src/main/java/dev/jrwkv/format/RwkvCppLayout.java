package dev.jrwkv.format;

import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensor transformations of rwkv.cpp's converter ({@code convert_pytorch_to_ggml.py}), both
 * ways: official RWKV-LM names and values to rwkv.cpp's (squeezed {@code .time_} tensors, decays
 * stored as exponentials for v4/v5, v6/v7 LoRA factors transposed, v7 token-shift mixes
 * concatenated into {@code x_rwkvag}), and back for v6 and v7 (whose files hold the raw values; the
 * v4/v5 exponentials cannot be inverted exactly).
 *
 * <pre>{@code
 * List<Tensor> cpp = RwkvCppLayout.fromOfficial(officialStore, DType.F16);
 * TensorStore official = RwkvCppLayout.toOfficial(RwkvCppFile.open(path));
 * }</pre>
 */
public final class RwkvCppLayout {
    private static final String[] V7_MIXES = {"x_r", "x_w", "x_k", "x_v", "x_a", "x_g"};
    private static final String[] V7_LORA = {"w1", "w2", "a1", "a2", "v1", "v2", "g1", "g2"};
    private static final String[] V6_TRANSPOSED = {"time_maa_w1", "time_decay_w1", "time_decay_w2"};
    /** Tensors the FP16 converter keeps in float32, besides every 1-D tensor. */
    private static final String[] FP16_KEEPS_F32 = {".time_", ".k_k", ".k_a", ".r_k", ".x_rwkvag", ".x_k", ".w0", ".a0", ".v0"};

    private RwkvCppLayout() {
    }

    /** The converter's version names. */
    enum Arch { V4, V5_1, V5_2, V6, V7 }

    /** Detected as the converter detects it. */
    static Arch detect(TensorStore s) {
        String a = "blocks.0.att.";
        if (s.contains(a + "k_k") || s.contains(a + "x_rwkvag") || s.contains(a + "r_k")) return Arch.V7;
        if (s.contains(a + "time_maa_x")) return Arch.V6;
        if (s.contains(a + "ln_x.weight")) return s.contains(a + "gate.weight") ? Arch.V5_2 : Arch.V5_1;
        return Arch.V4;
    }

    /**
     * rwkv.cpp's tensors for an official checkpoint, in the checkpoint's order, as the converter makes
     * them with {@code type} F32 (everything float32) or F16 (matrices half, vectors and mixes float32).
     */
    public static List<Tensor> fromOfficial(TensorStore official, DType type) {
        if (type != DType.F32 && type != DType.F16) throw new IllegalArgumentException("the converter writes F32 or F16, not " + type);
        Arch arch = detect(official);
        int heads = switch (arch) {
            case V5_1, V5_2 -> Math.toIntExact(official.get("blocks.0.att.time_decay").dim(0));
            case V6 -> Math.toIntExact(official.get("blocks.0.att.time_faaaa").dim(0));
            default -> 0;
        };
        List<Tensor> out = new ArrayList<>();
        for (String name : official.names()) {
            Tensor t = official.get(name);
            float[] v = t.toFloats();
            long[] shape = t.shape();
            if (arch == Arch.V7 && name.contains(".att.") && endsWithAny(name, V7_MIXES)) {   // not ffn.x_k
                if (!name.endsWith(".att.x_r")) continue;          // the six go out together, at x_r's place
                String prefix = name.substring(0, name.length() - 3);
                float[] all = new float[6 * v.length];
                for (int i = 0; i < 6; i++) System.arraycopy(official.get(prefix + V7_MIXES[i]).toFloats(), 0, all, i * v.length, v.length);
                out.add(typed(prefix + "x_rwkvag", all, DType.F32, 6, 1, v.length));   // mixes stay float32
                continue;
            }
            if (name.contains(".time_")) shape = squeeze(shape);
            int C = (int) (v.length / Math.max(1, heads));
            switch (arch) {
                case V4 -> {
                    if (name.endsWith("att.time_decay")) for (int i = 0; i < v.length; i++) v[i] = (float) -Math.exp(v[i]);
                }
                case V5_1 -> {
                    if (name.endsWith("att.time_decay")) {
                        for (int i = 0; i < v.length; i++) v[i] = (float) Math.exp(-Math.exp(v[i]));
                        shape = new long[] {heads, 1, 1};
                    } else if (name.endsWith("att.time_first")) {
                        for (int i = 0; i < v.length; i++) v[i] = (float) Math.exp(v[i]);
                        shape = new long[] {heads, 1, 1};
                    }
                }
                case V5_2 -> {
                    if (name.endsWith("att.time_decay")) {
                        for (int i = 0; i < v.length; i++) v[i] = (float) Math.exp(-Math.exp(v[i]));
                        shape = new long[] {heads, C, 1};
                    } else if (name.endsWith("att.time_faaaa")) {
                        shape = new long[] {heads, C, 1};
                    }
                }
                case V6 -> {
                    if (name.endsWith("att.time_faaaa") || name.endsWith("att.time_decay")) {
                        shape = new long[] {heads, C, 1};
                    } else if (endsWithAny(name, V6_TRANSPOSED)) {
                        v = transpose(v, (int) shape[0], (int) shape[1]);
                        shape = new long[] {shape[1], shape[0]};
                    } else if (name.endsWith("att.time_maa_w2")) {
                        v = swapLastAxes(v, shape);
                        shape = new long[] {shape[0], shape[2], shape[1]};
                    }
                }
                case V7 -> {
                    if (endsWithAny(name, V7_LORA)) {
                        v = transpose(v, (int) shape[0], (int) shape[1]);
                        shape = new long[] {shape[1], shape[0]};
                    }
                }
            }
            boolean keepF32 = shape.length == 1 || containsAny(name, FP16_KEEPS_F32);
            out.add(typed(name, v, keepF32 ? DType.F32 : type, shape));
        }
        return out;
    }

    /**
     * The official names, shapes and values of an rwkv.cpp RWKV-6 or RWKV-7 store (a view; vectors
     * and mixes share the file's bytes, transposed LoRA factors are float32 copies).
     */
    public static TensorStore toOfficial(TensorStore cpp) {
        Arch arch = detect(cpp);
        if (arch != Arch.V6 && arch != Arch.V7) {
            throw new ModelFormatException(cpp.path(), "only RWKV-6 and RWKV-7 rwkv.cpp files can be turned back into official tensors (the v4/v5 decays are stored as exponentials)");
        }
        int C = Math.toIntExact(cpp.get("emb.weight").dim(1));
        List<Tensor> out = new ArrayList<>();
        for (String name : cpp.names()) {
            Tensor t = cpp.get(name);
            long[] s = t.shape();
            if (arch == Arch.V7 && name.endsWith(".att.x_rwkvag")) {
                String prefix = name.substring(0, name.length() - "x_rwkvag".length());
                Tensor six = t.reshape(6, 1, C);
                for (int i = 0; i < 6; i++) out.add(six.slice(i, 1).rename(prefix + V7_MIXES[i]));
            } else if ((arch == Arch.V7 && endsWithAny(name, V7_LORA)) || (arch == Arch.V6 && endsWithAny(name, V6_TRANSPOSED))) {
                out.add(Tensor.ofFloats(name, transpose(t.toFloats(), (int) s[0], (int) s[1]), s[1], s[0]));
            } else if (arch == Arch.V6 && name.endsWith("att.time_maa_w2")) {
                out.add(Tensor.ofFloats(name, swapLastAxes(t.toFloats(), s), s[0], s[2], s[1]));
            } else if (arch == Arch.V6 && name.endsWith("att.time_faaaa")) {
                out.add(t.reshape(s[0], s[1]));
            } else if (arch == Arch.V6 && name.contains(".time_") && t.numel() == C) {
                out.add(t.reshape(1, 1, C));                      // squeezed by the converter
            } else {
                out.add(t);
            }
        }
        Map<String, String> meta = new LinkedHashMap<>(cpp.metadata());
        return new DerivedTensorStore(cpp, "official", out, meta);
    }

    /** The type a quantizing rwkv.cpp gives a tensor: only 2-D tensors, except embedding, head, v7 LoRA and r_k. */
    public static boolean quantizable(String name, Tensor t) {
        if (t.rank() != 2) return false;
        if (name.equals("emb.weight") || name.equals("head.weight") || name.endsWith(".att.r_k")) return false;
        return !(name.contains(".att.") && endsWithAny(name, V7_LORA));
    }

    static float[] transpose(float[] v, int rows, int cols) {
        float[] t = new float[v.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = v[r * cols + c];
        return t;
    }

    private static float[] swapLastAxes(float[] v, long[] s) {
        int n = (int) s[1], m = (int) s[2];
        float[] t = new float[v.length];
        for (int i = 0; i < s[0]; i++) System.arraycopy(transpose(java.util.Arrays.copyOfRange(v, i * n * m, (i + 1) * n * m), n, m), 0, t, i * n * m, n * m);
        return t;
    }

    private static long[] squeeze(long[] shape) {
        long[] s = java.util.Arrays.stream(shape).filter(d -> d != 1).toArray();
        return s.length == 0 ? new long[] {1} : s;
    }

    private static Tensor typed(String name, float[] v, DType type, long... shape) {
        return Tensor.encode(name, v, type, dev.jrwkv.tensor.QuantRounding.SEPARATE, shape);
    }

    static boolean endsWithAny(String name, String[] suffixes) {
        for (String s : suffixes) if (name.endsWith("." + s)) return true;
        return false;
    }

    private static boolean containsAny(String name, String[] parts) {
        for (String p : parts) if (name.contains(p)) return true;
        return false;
    }
}
