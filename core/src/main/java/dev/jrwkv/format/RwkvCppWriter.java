package dev.jrwkv.format;

import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.QuantRounding;
import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes rwkv.cpp {@code .bin} files (atomically): the 24-byte header, then each tensor's header and
 * data with no padding (format in {@link RwkvCppFile}).
 *
 * <pre>{@code
 * try (RwkvCppFile f32 = RwkvCppFile.open(Path.of("model-FP32.bin"))) {
 *     RwkvCppWriter.quantize(f32, Path.of("model-Q5_1.bin"), DType.Q5_1, QuantRounding.SEPARATE);
 * }
 * }</pre>
 */
public final class RwkvCppWriter {
    private RwkvCppWriter() {
    }

    /** Writes {@code tensors} (rwkv.cpp names and values) under a header with {@code version} and {@code dataType}. */
    public static void write(Path target, int version, int dataType, List<Tensor> tensors) throws IOException {
        Tensor emb = tensors.stream().filter(t -> t.name().equals("emb.weight")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no emb.weight among the tensors"));
        int layers = 0;
        while (true) {
            String ln1 = "blocks." + layers + ".ln1.weight";
            if (tensors.stream().noneMatch(t -> t.name().equals(ln1))) break;
            layers++;
        }
        int nLayer = layers;
        AtomicFile.write(target, os -> {
            LittleEndianOutput out = new LittleEndianOutput(os);
            out.u32(RwkvCppFile.MAGIC);
            out.u32(version);
            out.u32(Math.toIntExact(emb.dim(0)));
            out.u32(Math.toIntExact(emb.dim(1)));
            out.u32(nLayer);
            out.u32(dataType);
            for (Tensor t : tensors) {
                long[] shape = t.shape();
                byte[] name = t.name().getBytes(StandardCharsets.UTF_8);
                out.u32(shape.length);
                out.u32(name.length);
                out.u32(RwkvCppFile.typeId(t.type()));
                for (int d = shape.length - 1; d >= 0; d--) out.u32(Math.toIntExact(shape[d]));
                out.bytes(name);
                out.segment(t.data());
            }
        });
    }

    /** Writes {@code src} again, same version, header type and tensors: a byte-identical copy. */
    public static void copy(RwkvCppFile src, Path target) throws IOException {
        List<Tensor> tensors = new ArrayList<>();
        for (String n : src.names()) tensors.add(src.get(n));
        write(target, src.version(), Integer.parseInt(src.metadata().get("rwkv.cpp.data_type")), tensors);
    }

    /**
     * Converts an official checkpoint as rwkv.cpp's {@code convert_pytorch_to_ggml.py} does, into an
     * F32 or F16 file (file version 101).
     */
    public static void fromOfficial(TensorStore official, Path target, DType type) throws IOException {
        write(target, 101, RwkvCppFile.typeId(type), RwkvCppLayout.fromOfficial(official, type));
    }

    /**
     * Quantizes an rwkv.cpp store as {@code rwkv_quantize} does: 2-D tensors except the embedding,
     * head, v7 LoRA factors and {@code r_k} go to {@code type} (ggml's reference quantizer, with
     * {@code rounding}); every other tensor is kept as it is. File version 101.
     */
    public static void quantize(TensorStore cpp, Path target, DType type, QuantRounding rounding) throws IOException {
        if (!type.isQuantized() || type.blockSize() != 32) throw new IllegalArgumentException("rwkv.cpp quantizes to Q4_0, Q4_1, Q5_0, Q5_1 or Q8_0, not " + type);
        List<Tensor> out = new ArrayList<>();
        for (String n : cpp.names()) {
            Tensor t = cpp.get(n);
            boolean q = RwkvCppLayout.quantizable(n, t) && t.cols() % type.blockSize() == 0 && !t.type().isQuantized();
            out.add(q ? Tensor.encode(n, t.toFloats(), type, rounding, t.shape()) : t);
        }
        write(target, 101, RwkvCppFile.typeId(type), out);
    }
}
