package dev.jrwkv.format;

import dev.jrwkv.Fixtures;
import dev.jrwkv.format.TorchCheckpoints.Spec;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PyTorchFileTest {
    private static final String PTH = "official/7v0-834K.pth";
    private static final String SAFETENSORS = "official/7v0-834K.safetensors";
    private static final String RWKV_CPP_FP32 = "tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin";

    @TempDir
    Path dir;

    @Test
    void readsTheOfficialCheckpointAsMappedBf16Tensors() {
        try (PyTorchFile pth = PyTorchFile.open(Fixtures.file(PTH))) {
            assertThat(pth.format()).isEqualTo("pytorch");
            assertThat(pth.names()).hasSize(399).startsWith("emb.weight", "blocks.0.ln1.weight").endsWith("head.weight");
            assertThat(pth.metadata()).containsEntry("pytorch.archive", "7v0-834K-FP32").containsEntry("pytorch.byteorder", "little");
            Tensor emb = pth.get("emb.weight");
            assertThat(emb.type()).isEqualTo(DType.BF16);
            assertThat(emb.shape()).containsExactly(256, 64);
            assertThat(emb.data().isMapped()).as("a slice of the mapping, not a copy").isTrue();
            assertThat(pth.get("blocks.1.att.x_r").shape()).containsExactly(1, 1, 64);
            assertThat(pth.get("blocks.0.att.r_k").shape()).containsExactly(1, 64);
            assertThat(pth.get("blocks.0.ffn.key.weight").shape()).containsExactly(256, 64);
            assertThat(pth.contains("blocks.0.att.v0")).as("layer 0 has no v0").isFalse();
            for (String name : pth.names()) assertThat(pth.get(name).type()).as(name).isEqualTo(DType.BF16);
        }
    }

    @Test
    void pthAndSafetensorsHoldTheSameTensorsByteForByte() {
        try (PyTorchFile pth = PyTorchFile.open(Fixtures.file(PTH));
             SafetensorsFile st = SafetensorsFile.open(Fixtures.file(SAFETENSORS))) {
            assertThat(new ArrayList<>(st.names())).containsExactlyElementsOf(pth.names());
            for (String name : pth.names()) {
                Tensor a = pth.get(name);
                Tensor b = st.get(name);
                assertThat(b.shape()).as(name).containsExactly(a.shape());
                assertThat(b.type()).as(name).isEqualTo(a.type());
                assertThat(a.data().mismatch(b.data())).as("first differing byte of " + name).isEqualTo(-1);
            }
        }
    }

    /** The checkpoint was rebuilt from rwkv.cpp's FP32 file; main matrices keep name and [out, in] shape. */
    @Test
    void matchesTheRwkvCppFp32FileAfterBf16ToF32() {
        try (PyTorchFile pth = PyTorchFile.open(Fixtures.file(PTH));
             RwkvCppFile cpp = RwkvCppFile.open(Fixtures.file(RWKV_CPP_FP32))) {
            List<String> names = new ArrayList<>(List.of("emb.weight", "head.weight", "ln_out.weight", "blocks.0.ln0.bias"));
            for (int layer = 0; layer < 12; layer++) {
                for (String m : List.of("att.receptance.weight", "att.key.weight", "att.value.weight", "att.output.weight",
                        "ffn.key.weight", "ffn.value.weight", "ln1.weight", "att.ln_x.bias")) {
                    names.add("blocks." + layer + "." + m);
                }
            }
            for (String name : names) {
                Tensor official = pth.get(name);
                Tensor ggml = cpp.get(name);
                assertThat(official.shape()).as(name).containsExactly(ggml.shape());
                assertThat(maxAbs(official.toFloats(), ggml.toFloats())).as("max |bf16 - f32| of " + name + " (tolerance 0: weights are bf16 values)").isZero();
            }
        }
    }

    @Test
    void mapsStorageTypesOffsetsAndSize1Strides() {
        float[] six = {1, 2, 3, 4, 5, 6};
        byte[] pickle = TorchCheckpoints.stateDictPickle(List.of(
                Spec.contiguous("matrix", "FloatStorage", "0", 2, 3),
                new Spec("tail", "FloatStorage", "0", 6, 3, new long[] {3}, new long[] {1}),       // a view at element offset 3
                new Spec("row", "FloatStorage", "0", 6, 3, new long[] {1, 3}, new long[] {99, 1}), // size-1 axis: its stride is irrelevant
                Spec.contiguous("half", "HalfStorage", "1", 2, 2),
                Spec.contiguous("brain", "BFloat16Storage", "2", 2),
                new Spec("scalar", "FloatStorage", "0", 6, 5, new long[0], new long[0])));
        byte[] zip = TorchCheckpoints.javaZip(TorchCheckpoints.entries(pickle, Map.of(
                "0", TorchCheckpoints.f32(six), "1", TorchCheckpoints.f16(0.5f, -1, 2, 65504), "2", TorchCheckpoints.bf16(1.5f, -3))));
        try (PyTorchFile f = PyTorchFile.open(Rejections.write(dir, "small.pth", zip))) {
            assertThat(f.names()).containsExactly("matrix", "tail", "row", "half", "brain", "scalar");
            assertThat(f.metadata()).containsEntry("pytorch.version", "3");
            assertThat(f.get("matrix").type()).isEqualTo(DType.F32);
            assertThat(f.get("matrix").toFloats()).containsExactly(six);
            assertThat(f.get("tail").toFloats()).containsExactly(4, 5, 6);
            assertThat(f.get("row").shape()).containsExactly(1, 3);
            assertThat(f.get("row").toFloats()).containsExactly(4, 5, 6);
            assertThat(f.get("half").type()).isEqualTo(DType.F16);
            assertThat(f.get("half").toFloats()).containsExactly(0.5f, -1, 2, 65504);
            assertThat(f.get("brain").type()).isEqualTo(DType.BF16);
            assertThat(f.get("brain").toFloats()).containsExactly(1.5f, -3);
            assertThat(f.get("scalar").rank()).isZero();
            assertThat(f.get("scalar").toFloats()).containsExactly(6);
        }
    }

    @Test
    void readsZip64Archives() {
        byte[] pickle = TorchCheckpoints.stateDictPickle(List.of(Spec.contiguous("w", "FloatStorage", "0", 2, 2)));
        byte[] zip = TorchCheckpoints.handZip(TorchCheckpoints.entries(pickle, Map.of("0", TorchCheckpoints.f32(1, -2, 3, -4))), true);
        try (PyTorchFile f = PyTorchFile.open(Rejections.write(dir, "zip64.pth", zip))) {
            assertThat(f.get("w").toFloats()).containsExactly(1, -2, 3, -4);
        }
    }

    @Test
    void readsProtocol4Pickles() {
        // FRAME, MEMOIZE, STACK_GLOBAL and SHORT_BINUNICODE: what protocol 4 writers emit
        PickleWriter p = new PickleWriter().proto(4).op(0x95).raw(90, 0, 0, 0, 0, 0, 0, 0).stackGlobal("collections", "OrderedDict").op(0x94).op(')').op('R').op(0x94)
                .str("w").stackGlobal("torch._utils", "_rebuild_tensor_v2").op(0x94)
                .mark().mark().str("storage").stackGlobal("torch", "FloatStorage").str("0").str("cpu").integer(2).op('t').op('Q')
                .integer(0).tuple(2).tuple(1).op(0x89).op('h').raw(0).op(')').op('R').op('t').op('R')
                .op('s').stop();
        byte[] zip = TorchCheckpoints.javaZip(TorchCheckpoints.entries(p.bytes(), Map.of("0", TorchCheckpoints.f32(7, 8))));
        try (PyTorchFile f = PyTorchFile.open(Rejections.write(dir, "p4.pth", zip))) {
            assertThat(f.get("w").toFloats()).containsExactly(7, 8);
        }
    }

    @Test
    void sharedStoragesAreSlicedNotCopied() {
        byte[] pickle = TorchCheckpoints.stateDictPickle(List.of(
                new Spec("a", "FloatStorage", "0", 4, 0, new long[] {2}, new long[] {1}),
                new Spec("b", "FloatStorage", "0", 4, 2, new long[] {2}, new long[] {1})));
        byte[] zip = TorchCheckpoints.javaZip(TorchCheckpoints.entries(pickle, Map.of("0", TorchCheckpoints.f32(1, 2, 3, 4))));
        try (PyTorchFile f = PyTorchFile.open(Rejections.write(dir, "shared.pth", zip))) {
            MemorySegment a = f.get("a").data();
            MemorySegment b = f.get("b").data();
            assertThat(b.address() - a.address()).isEqualTo(8);
            assertThat(f.get("b").toFloats()).containsExactly(3, 4);
        }
    }

    private static float maxAbs(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
