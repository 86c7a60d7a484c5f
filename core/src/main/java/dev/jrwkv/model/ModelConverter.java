package dev.jrwkv.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jrwkv.JrwkvException;
import dev.jrwkv.format.DerivedTensorStore;
import dev.jrwkv.format.GgufValue;
import dev.jrwkv.format.PyTorchWriter;
import dev.jrwkv.format.RwkvCppFile;
import dev.jrwkv.format.RwkvCppLayout;
import dev.jrwkv.format.RwkvCppWriter;
import dev.jrwkv.format.SafetensorsWriter;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.QuantRounding;
import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;

/**
 * Converts any model file jrwkv reads into any format it writes, through the official names and
 * values ({@link OfficialTensors}): official safetensors, PyTorch {@code .pth}, llama.cpp GGUF
 * (RWKV-7), rwkv.cpp {@code .bin}, the Hugging Face RWKV-7 folder and web-rwkv {@code .st}; and
 * quantizes into GGUF or {@code .bin}, large matrices only, as rwkv.cpp does.
 *
 * <pre>{@code
 * ModelConverter.convert(Path.of("model.pth"), Path.of("model.gguf"), Target.GGUF, DType.F16, new LinkedHashMap<>(), Progress.NONE);
 * ModelConverter.quantize(Path.of("model.pth"), Path.of("model-Q5_1.bin"), Target.RWKV_CPP, DType.Q5_1, false, new LinkedHashMap<>(), Progress.NONE);
 * }</pre>
 */
public final class ModelConverter {
    /** The matrix types {@link #quantize} produces. */
    public static final Set<DType> QUANT_TYPES = Set.of(DType.Q8_0, DType.Q5_1, DType.Q5_0, DType.Q4_1, DType.Q4_0);

    private ModelConverter() {
    }

    /** Output formats, with the name {@code --format} takes and the extension that selects it. */
    public enum Target {
        SAFETENSORS("safetensors", ".safetensors"),
        PYTORCH("pth", ".pth"),
        GGUF("gguf", ".gguf"),
        RWKV_CPP("bin", ".bin"),
        /** A folder with {@code config.json} and {@code model.safetensors}. */
        HF("hf", null),
        WEB_RWKV("st", ".st");

        private final String formatName;
        private final String extension;

        Target(String formatName, String extension) {
            this.formatName = formatName;
            this.extension = extension;
        }

        public String formatName() {
            return formatName;
        }

        /** {@code --format NAME}, or else the output's extension; a {@link JrwkvException} naming both when neither fits. */
        public static Target choose(Path out, String format) {
            List<String> names = new ArrayList<>();
            for (Target t : values()) names.add(t.formatName);
            if (format != null) {
                for (Target t : values()) if (t.formatName.equalsIgnoreCase(format)) return t;
                throw new JrwkvException("unknown output format '" + format + "' (supported: " + String.join(", ", names) + ")");
            }
            String n = out.getFileName().toString().toLowerCase(Locale.ROOT);
            for (Target t : values()) if (t.extension != null && n.endsWith(t.extension)) return t;
            throw new JrwkvException("cannot tell the output format from '" + out.getFileName() + "': use an extension .safetensors, .pth, .gguf, .bin or .st, or --format "
                    + String.join("|", names));
        }
    }

    /** Told how far the work is: {@code done} of {@code total} steps, the current one named. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (done, total, step) -> { };

        void update(int done, int total, String step);
    }

    /**
     * Writes {@code in} as {@code target} with weights in {@code dtype} (F32, F16 or BF16; null keeps
     * the source's float type). {@code ggufMetadata} is appended to a GGUF's keys (e.g. the tokenizer).
     */
    public static void convert(Path in, Path out, Target target, DType dtype, SequencedMap<String, GgufValue> ggufMetadata, Progress progress) {
        if (dtype != null && dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new JrwkvException("convert writes f32, f16 or bf16 weights, not " + dtype + " (use quantize for " + dtype + ")");
        }
        try (TensorStore official = openOfficial(in, target)) {
            ModelConfig c = ModelConfig.detect(official);
            DType type = dtype != null ? dtype : defaultType(official, target);
            switch (target) {
                case SAFETENSORS -> SafetensorsWriter.write(out, encodeAll(all(official), type, progress), type, Map.of("format", "pt"));
                case PYTORCH -> PyTorchWriter.write(out, PyTorchWriter.archiveName(out), encodeAll(all(official), type, progress), type);
                case WEB_RWKV -> {
                    List<Tensor> st = WebRwkvNames.fromOfficial(official, c);
                    SafetensorsWriter.write(out, encodeAll(st, type, progress), type, Map.of("format", "pt"));
                }
                case HF -> {
                    List<Tensor> hf = encodeAll(HfRwkv7Names.fromOfficial(official, c), type, progress);
                    Files.createDirectories(out);
                    SafetensorsWriter.write(out.resolve("model.safetensors"), hf, type, Map.of("format", "pt"));
                    String dtypeName = switch (type) {
                        case F16 -> "float16";
                        case BF16 -> "bfloat16";
                        default -> "float32";
                    };
                    byte[] json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(HfRwkv7Names.config(c, dtypeName));
                    dev.jrwkv.format.AtomicFile.write(out.resolve("config.json"), o -> o.write(json));
                }
                case GGUF -> {
                    requireV7ForGguf(c);
                    TensorStore typed = typedMatrices(official, type, type, type, progress);
                    LlamaCppNames.writeGguf(typed, out, type, type, type, ggufMetadata);
                }
                case RWKV_CPP -> {
                    if (type == DType.BF16) throw new JrwkvException("rwkv.cpp .bin files hold f32 or f16 weights, not bf16");
                    progress.update(0, 1, "converting");
                    if (official.format().equals("rwkv.cpp")) {
                        // v4/v5 files stay in rwkv.cpp's layout: only the matrix type changes
                        RwkvCppWriter.write(out, 101, RwkvCppFile.typeId(type), retype(all(official), type));
                    } else {
                        RwkvCppWriter.fromOfficial(official, out, type);
                    }
                    progress.update(1, 1, "written");
                }
            }
        } catch (IOException e) {
            throw new JrwkvException("cannot write " + out + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new JrwkvException("cannot convert " + in + " to " + target.formatName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Quantizes {@code in} into a GGUF or rwkv.cpp file: the 2-D weight matrices of the blocks take
     * {@code type} (Q8_0, Q5_1, Q5_0, Q4_1, Q4_0); the embedding, the head (unless
     * {@code quantizeHead}), LoRA factors, mixes, decays, norms and {@code r_k} stay float, as rwkv.cpp
     * keeps them.
     */
    public static void quantize(Path in, Path out, Target target, DType type, boolean quantizeHead,
                                SequencedMap<String, GgufValue> ggufMetadata, Progress progress) {
        if (!QUANT_TYPES.contains(type)) throw new JrwkvException("unknown quantization type " + type + " (supported: q8_0, q5_1, q5_0, q4_1, q4_0)");
        if (target != Target.GGUF && target != Target.RWKV_CPP) {
            throw new JrwkvException("quantized models are written as GGUF (.gguf) or rwkv.cpp (.bin), not " + target.formatName());
        }
        try (TensorStore store = openOfficial(in, target)) {
            ModelConfig c = ModelConfig.detect(store);
            if (target == Target.GGUF) {
                requireV7ForGguf(c);
                DType emb = floatTypeOf(store.get("emb.weight"));
                DType head = quantizeHead ? type : floatTypeOf(store.get("head.weight"));
                LlamaCppNames.writeGguf(typedMatrices(store, type, emb, head, progress), out, type, emb, head, ggufMetadata);
            } else {
                // what stays float keeps the input's precision, as rwkv.cpp's quantizer does (F16 in, F16 head and embedding out)
                DType keep = floatTypeOf(store.get("emb.weight")) == DType.F16 ? DType.F16 : DType.F32;
                List<Tensor> cpp = store.format().equals("rwkv.cpp") ? all(store) : RwkvCppLayout.fromOfficial(store, keep);
                List<Tensor> q = new ArrayList<>();
                for (int i = 0; i < cpp.size(); i++) {
                    Tensor t = cpp.get(i);
                    boolean big = RwkvCppLayout.quantizable(t.name(), t) || (quantizeHead && t.name().equals("head.weight"));
                    // a row that does not fill whole blocks cannot be quantized: it stays float, as in rwkv.cpp
                    q.add(big && t.cols() % type.blockSize() == 0 ? Tensor.encode(t.name(), t.toFloats(), type, QuantRounding.SEPARATE, t.shape()) : t);
                    progress.update(i + 1, cpp.size(), t.name());
                }
                RwkvCppWriter.write(out, 101, RwkvCppFile.typeId(type), q);
            }
        } catch (IOException e) {
            throw new JrwkvException("cannot write " + out + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new JrwkvException("cannot quantize " + in + " to " + type + ": " + e.getMessage(), e);
        }
    }

    /** Official tensors; rwkv.cpp v4/v5 files stay as they are for a .bin target (their decays cannot be turned back). */
    private static TensorStore openOfficial(Path in, Target target) {
        TensorStore raw = OfficialTensors.open(in, false);
        if (!raw.format().equals("rwkv.cpp")) return raw;
        ModelConfig c = ModelConfig.detect(raw);
        if (c.version() == Version.V6 || c.version() == Version.V7) return RwkvCppLayout.toOfficial(raw);
        if (target == Target.RWKV_CPP) return raw;
        raw.close();
        throw new JrwkvException("cannot convert " + in + " (an RWKV-" + c.version() + " rwkv.cpp file) to " + target.formatName()
                + ": its decays are stored as exponentials that cannot be turned back into official weights; only .bin output is supported for it");
    }

    private static void requireV7ForGguf(ModelConfig c) {
        if (c.version() != Version.V7) {
            throw new JrwkvException("GGUF export is implemented for RWKV-7 only, this model is RWKV-" + c.version()
                    + " (write .safetensors, .pth or .bin instead)");
        }
    }

    private static DType defaultType(TensorStore official, Target target) {
        DType t = floatTypeOf(official.get("emb.weight"));
        if (target == Target.RWKV_CPP && t == DType.BF16) return DType.F32;   // rwkv.cpp has no bf16; f32 is lossless
        return t;
    }

    private static DType floatTypeOf(Tensor t) {
        return t.type() == DType.F16 || t.type() == DType.BF16 ? t.type() : DType.F32;
    }

    private static List<Tensor> all(TensorStore s) {
        List<Tensor> out = new ArrayList<>();
        for (String n : s.names()) out.add(s.get(n));
        return out;
    }

    private static List<Tensor> encodeAll(List<Tensor> tensors, DType type, Progress progress) {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            out.add(t.type() == type ? t : Tensor.encode(t.name(), t.toFloats(), type, QuantRounding.SEPARATE, t.shape()));
            progress.update(i + 1, tensors.size(), t.name());
        }
        return out;
    }

    /** rwkv.cpp tensors with the matrices in {@code type}; vectors and float32-kept tensors unchanged. */
    private static List<Tensor> retype(List<Tensor> tensors, DType type) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : tensors) {
            boolean matrix = t.rank() == 2 && !t.name().contains(".time_") && t.type() != type && (t.type() == DType.F32 || t.type() == DType.F16);
            out.add(matrix ? Tensor.encode(t.name(), t.toFloats(), type, QuantRounding.SEPARATE, t.shape()) : t);
        }
        return out;
    }

    /**
     * The official store with the matrices that GGUF stores in the file's type already converted
     * (so that the progress is reported here): block matrices to {@code type}, embedding and head to theirs.
     */
    private static TensorStore typedMatrices(TensorStore official, DType type, DType emb, DType head, Progress progress) {
        List<Tensor> out = new ArrayList<>();
        List<String> names = List.copyOf(official.names());
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            Tensor t = official.get(n);
            DType want = n.equals("emb.weight") ? emb : n.equals("head.weight") ? head : isBlockMatrix(n) ? type : null;
            boolean fits = want != null && t.cols() % want.blockSize() == 0;
            out.add(want == null || t.type() == want || !fits ? t : Tensor.encode(n, t.toFloats(), want, QuantRounding.SEPARATE, t.shape()));
            progress.update(i + 1, names.size(), n);
        }
        return new DerivedTensorStore(official, official.format(), out, new LinkedHashMap<>(official.metadata()));
    }

    private static boolean isBlockMatrix(String n) {
        return n.startsWith("blocks.") && (n.endsWith(".att.key.weight") || n.endsWith(".att.value.weight") || n.endsWith(".att.receptance.weight")
                || n.endsWith(".att.output.weight") || n.endsWith(".ffn.key.weight") || n.endsWith(".ffn.value.weight"));
    }
}
