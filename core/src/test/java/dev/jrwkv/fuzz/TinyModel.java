package dev.jrwkv.fuzz;

import dev.jrwkv.format.GgufValue;
import dev.jrwkv.format.RwkvCppWriter;
import dev.jrwkv.format.SafetensorsFile;
import dev.jrwkv.format.SafetensorsWriter;
import dev.jrwkv.format.TorchCheckpoints;
import dev.jrwkv.model.LlamaCppNames;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.QuantRounding;
import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A synthetic one-layer RWKV-7 (C = 32, one head, vocab 16, FFN 32, LoRA rank 4) with official tensor
 * names and random weights: small enough (a few KB to 40 KB per file) to be a good fuzzing seed, and
 * written in every format jrwkv reads, through jrwkv's own writers.
 *
 * <pre>{@code
 * byte[] gguf = TinyModel.file(dir, "gguf");
 * }</pre>
 */
public final class TinyModel {
    public static final int C = 32, V = 16, F = 32, D = 4;

    private TinyModel() {
    }

    /** The official tensors (float32). */
    public static List<Tensor> officialTensors() {
        Random r = new Random(7);
        List<Tensor> t = new ArrayList<>();
        t.add(rand(r, "emb.weight", V, C));
        t.add(rand(r, "blocks.0.ln0.weight", C));
        t.add(rand(r, "blocks.0.ln0.bias", C));
        String b = "blocks.0.", a = b + "att.", f = b + "ffn.";
        for (String n : List.of("ln1.weight", "ln1.bias", "ln2.weight", "ln2.bias")) t.add(rand(r, b + n, C));
        for (String n : List.of("x_r", "x_w", "x_k", "x_v", "x_a", "x_g", "w0", "a0", "k_k", "k_a")) t.add(rand(r, a + n, 1, 1, C));
        t.add(rand(r, a + "r_k", 1, C));
        for (String n : List.of("w", "a", "g")) {
            t.add(rand(r, a + n + "1", C, D));
            t.add(rand(r, a + n + "2", D, C));
        }
        for (String n : List.of("receptance", "key", "value", "output")) t.add(rand(r, a + n + ".weight", C, C));
        t.add(rand(r, a + "ln_x.weight", C));
        t.add(rand(r, a + "ln_x.bias", C));
        t.add(rand(r, f + "x_k", 1, 1, C));
        t.add(rand(r, f + "key.weight", F, C));
        t.add(rand(r, f + "value.weight", C, F));
        t.add(rand(r, "ln_out.weight", C));
        t.add(rand(r, "ln_out.bias", C));
        t.add(rand(r, "head.weight", V, C));
        return t;
    }

    /**
     * Writes the model into {@code dir} in {@code format} ({@code safetensors}, {@code safetensors-bf16},
     * {@code pth}, {@code rwkvcpp}, {@code rwkvcpp-f16}, {@code rwkvcpp-q5_1}, {@code gguf}, {@code gguf-q8_0})
     * and returns the file.
     */
    public static Path write(Path dir, String format) {
        try {
            Files.createDirectories(dir);
            Path st = dir.resolve("tiny.safetensors");
            if (!Files.exists(st)) SafetensorsWriter.write(st, officialTensors(), DType.F32, Map.of("format", "pt"));
            Path out = dir.resolve("tiny-" + format);
            switch (format) {
                case "safetensors" -> { return st; }
                case "safetensors-bf16" -> SafetensorsWriter.write(out, officialTensors(), DType.BF16, Map.of());
                case "pth" -> Files.write(out, pth(officialTensors()));
                case "rwkvcpp", "rwkvcpp-f16" -> {
                    try (SafetensorsFile official = SafetensorsFile.open(st)) {
                        RwkvCppWriter.fromOfficial(official, out, format.endsWith("f16") ? DType.F16 : DType.F32);
                    }
                }
                case "rwkvcpp-q5_1" -> {
                    Path f32 = write(dir, "rwkvcpp");
                    try (var cpp = dev.jrwkv.format.RwkvCppFile.open(f32)) {
                        RwkvCppWriter.quantize(cpp, out, DType.Q5_1, QuantRounding.SEPARATE);
                    }
                }
                case "gguf", "gguf-q8_0" -> {
                    try (SafetensorsFile official = SafetensorsFile.open(st)) {
                        LlamaCppNames.writeGguf(official, out, format.endsWith("q8_0") ? DType.Q8_0 : DType.F32,
                                new LinkedHashMap<String, GgufValue>());
                    }
                }
                default -> throw new IllegalArgumentException(format);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The bytes of {@link #write}. */
    public static byte[] bytes(Path dir, String format) {
        try {
            return Files.readAllBytes(write(dir, format));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A torch.save-style checkpoint of float32 tensors, one storage each. */
    public static byte[] pth(List<Tensor> tensors) {
        List<TorchCheckpoints.Spec> specs = new ArrayList<>();
        Map<String, byte[]> storages = new LinkedHashMap<>();
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            specs.add(TorchCheckpoints.Spec.contiguous(t.name(), "FloatStorage", Integer.toString(i), t.shape()));
            storages.put(Integer.toString(i), TorchCheckpoints.f32(t.toFloats()));
        }
        return TorchCheckpoints.javaZip(TorchCheckpoints.entries(TorchCheckpoints.stateDictPickle(specs), storages));
    }

    private static Tensor rand(Random r, String name, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * 0.3);
        return Tensor.ofFloats(name, v, shape);
    }
}
