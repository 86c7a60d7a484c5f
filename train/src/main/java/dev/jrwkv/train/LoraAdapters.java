package dev.jrwkv.train;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.format.ModelFiles;
import dev.jrwkv.format.ModelFormatException;
import dev.jrwkv.format.SafetensorsWriter;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Low-rank adapters on the large matrices (time-mix receptance, key, value, output; channel-mix key,
 * value): {@code W = W₀ + (α/r)·B·A} with {@code A [r, in]} (random) and {@code B [out, r]} (zero at
 * the start), W₀ frozen. Training runs the full backward and takes the adapters' gradients from dW
 * ({@code dB = s·dW·Aᵀ}, {@code dA = s·Bᵀ·dW}), exact and cheap next to the forward. Saved apart
 * from the model as {@code blocks.0.att.key.lora_A} / {@code .lora_B} (safetensors, F32, with
 * {@code lora_rank} and {@code lora_alpha} metadata); {@link #merge} gives plain weights.
 *
 * <pre>{@code
 * LoraAdapters lora = LoraAdapters.load(Path.of("run/lora.safetensors"), base);
 * lora.merge(base);   // base now holds W₀ + s·B·A
 * }</pre>
 */
public final class LoraAdapters {
    private record Target(String name, int out, int in, float[] base, float[] a, float[] b) {
        String prefix() {
            return name.substring(0, name.length() - ".weight".length());
        }
    }

    private final int rank;
    private final double alpha;
    private final List<Target> targets = new ArrayList<>();

    private LoraAdapters(Parameters params, int rank, double alpha) {
        if (rank <= 0) throw new IllegalArgumentException("LoRA rank must be positive, got " + rank);
        this.rank = rank;
        this.alpha = alpha;
        for (int l = 0; l < params.shape().layers(); l++) {
            for (String m : new String[] {"att.receptance", "att.key", "att.value", "att.output", "ffn.key", "ffn.value"}) {
                Param p = params.get("blocks." + l + "." + m + ".weight");
                int[] s = p.shape();
                targets.add(new Target(p.name(), s[0], s[1], p.data().clone(), new float[rank * s[1]], new float[s[0] * rank]));
            }
        }
    }

    /** Fresh adapters for {@code params} (whose current weights become W₀): A ~ N(0, 1/in), B = 0, α = rank. */
    public static LoraAdapters create(Parameters params, int rank, long seed) {
        LoraAdapters lora = new LoraAdapters(params, rank, rank);
        SplittableRandom rng = new SplittableRandom(seed);
        for (Target t : lora.targets) {
            double std = 1 / Math.sqrt(t.in);
            for (int i = 0; i < t.a.length; i++) t.a[i] = (float) (gaussian(rng) * std);
        }
        return lora;
    }

    /** Adapters saved by {@link #save}, for the model {@code base} (its weights are W₀). */
    public static LoraAdapters load(Path file, Parameters base) {
        try (TensorStore store = ModelFiles.open(file)) {
            String r = store.metadata().get("lora_rank"), al = store.metadata().get("lora_alpha");
            if (r == null || al == null) throw new ModelFormatException(file, "not a jrwkv LoRA file (no lora_rank/lora_alpha metadata)");
            LoraAdapters lora = new LoraAdapters(base, Integer.parseInt(r), Double.parseDouble(al));
            for (Target t : lora.targets) {
                read(store, file, t.prefix() + ".lora_A", t.a);
                read(store, file, t.prefix() + ".lora_B", t.b);
            }
            return lora;
        } catch (NumberFormatException e) {
            throw new ModelFormatException(file, "bad lora_rank/lora_alpha metadata: " + e.getMessage());
        }
    }

    private static void read(TensorStore store, Path file, String name, float[] into) {
        Tensor t = store.find(name).orElseThrow(() -> new ModelFormatException(file, "missing " + name + " (adapters for another model?)"));
        if (t.numel() != into.length) throw new ModelFormatException(file, name + " has " + t.numel() + " elements, expected " + into.length);
        System.arraycopy(t.toFloats(), 0, into, 0, into.length);
    }

    public int rank() {
        return rank;
    }

    private float scale() {
        return (float) (alpha / rank);
    }

    /** Sets each adapted matrix of {@code params} to W₀ + s·B·A (the merged weights). */
    public void merge(Parameters params) {
        float s = scale();
        for (Target t : targets) {
            float[] w = params.get(t.name).data();
            for (int o = 0; o < t.out; o++) {
                int row = o * t.in;
                System.arraycopy(t.base, row, w, row, t.in);
                for (int k = 0; k < rank; k++) {
                    float bk = s * t.b[o * rank + k];
                    if (bk == 0f) continue;
                    int ao = k * t.in;
                    for (int i = 0; i < t.in; i++) w[row + i] += bk * t.a[ao + i];
                }
            }
        }
    }

    /** The trainable arrays, A and B of every target in order (for the optimizer). */
    List<float[]> arrays() {
        List<float[]> out = new ArrayList<>();
        for (Target t : targets) {
            out.add(t.a);
            out.add(t.b);
        }
        return out;
    }

    /** Gradients of {@link #arrays()} from the full weight gradients: dA = s·Bᵀ·dW, dB = s·dW·Aᵀ. */
    List<float[]> gradients(Parameters grads) {
        float s = scale();
        List<float[]> out = new ArrayList<>();
        for (Target t : targets) {
            float[] dw = grads.get(t.name).data(), da = new float[t.a.length], db = new float[t.b.length];
            for (int o = 0; o < t.out; o++) {
                int row = o * t.in;
                for (int k = 0; k < rank; k++) {
                    int ao = k * t.in;
                    float bk = s * t.b[o * rank + k], sum = 0f;
                    for (int i = 0; i < t.in; i++) {
                        sum += dw[row + i] * t.a[ao + i];
                        da[ao + i] += bk * dw[row + i];
                    }
                    db[o * rank + k] = s * sum;
                }
            }
            out.add(da);
            out.add(db);
        }
        return out;
    }

    /** Writes the adapters (not the base weights) as safetensors, F32. */
    public void save(Path file) {
        List<Tensor> tensors = new ArrayList<>();
        for (Target t : targets) {
            tensors.add(Tensor.ofFloats(t.prefix() + ".lora_A", t.a, rank, t.in));
            tensors.add(Tensor.ofFloats(t.prefix() + ".lora_B", t.b, t.out, rank));
        }
        try {
            SafetensorsWriter.write(file, tensors, DType.F32, Map.of("format", "pt", "lora_rank", Integer.toString(rank), "lora_alpha", Double.toString(alpha)));
        } catch (IOException e) {
            throw new JrwkvException("cannot write adapters " + file + ": " + e.getMessage(), e);
        }
    }

    private static double gaussian(SplittableRandom rng) {
        double u = rng.nextDouble(), v = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
