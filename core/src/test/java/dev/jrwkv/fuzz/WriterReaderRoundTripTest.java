package dev.jrwkv.fuzz;

import dev.jrwkv.format.GgufFile;
import dev.jrwkv.format.GgufType;
import dev.jrwkv.format.GgufValue;
import dev.jrwkv.format.GgufWriter;
import dev.jrwkv.format.RwkvCppFile;
import dev.jrwkv.format.RwkvCppWriter;
import dev.jrwkv.format.SafetensorsFile;
import dev.jrwkv.format.SafetensorsWriter;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SequencedMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property: for random tensors (random ranks, shapes, names and bytes), writer then reader gives back
 * the same names in the same order, the same shapes and the same bytes, for every format and every
 * type the format's writer accepts. 20 random files per format and type.
 */
class WriterReaderRoundTripTest {
    private static final int CASES = 20;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void safetensors(DType type, @TempDir Path dir) throws Exception {
        Random r = new Random(11 + type.ordinal());
        for (int c = 0; c < CASES; c++) {
            List<Tensor> tensors = randomTensors(r, List.of(type), 0, 4);
            Map<String, String> meta = Map.of("format", "pt", "case \u00e9" + c, randomName(r));
            Path p = dir.resolve("t" + c + ".safetensors");
            SafetensorsWriter.write(p, tensors, type, meta);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertSame(tensors, f);
                assertThat(f.metadata()).isEqualTo(meta);
            }
        }
    }

    /** Every type GGUF files hold here (floats and all quantized blocks, K-quants included), mixed in one file, with metadata of every value type. */
    @ParameterizedTest
    @EnumSource(DType.class)
    void gguf(DType type, @TempDir Path dir) throws Exception {
        Random r = new Random(23 + type.ordinal());
        for (int c = 0; c < CASES; c++) {
            List<Tensor> tensors = randomTensors(r, List.of(type, DType.F32), 1, 4);
            SequencedMap<String, GgufValue> meta = randomMetadata(r);
            Path p = dir.resolve("t" + c + ".gguf");
            GgufWriter.write(p, meta, tensors);
            try (GgufFile f = GgufFile.open(p)) {
                assertSame(tensors, f);
                assertThat(f.values()).isEqualTo(meta);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"})
    void rwkvCpp(DType type, @TempDir Path dir) throws Exception {
        Random r = new Random(37 + type.ordinal());
        for (int c = 0; c < CASES; c++) {
            List<Tensor> tensors = new ArrayList<>();
            tensors.add(randomTensor(r, "emb.weight", type, new long[] {1 + r.nextInt(8), 32L * (1 + r.nextInt(3))}));
            tensors.add(randomTensor(r, "blocks.0.ln1.weight", DType.F32, new long[] {1 + r.nextInt(64)}));
            tensors.addAll(randomTensors(r, List.of(type), 1, 4));
            Path p = dir.resolve("t" + c + ".bin");
            RwkvCppWriter.write(p, 101, RwkvCppFile.typeId(type), tensors);
            try (RwkvCppFile f = RwkvCppFile.open(p)) {
                assertSame(tensors, f);
                assertThat(f.version()).isEqualTo(101);
                assertThat(f.metadata()).containsEntry("rwkv.cpp.n_vocab", Long.toString(tensors.getFirst().dim(0)))
                        .containsEntry("rwkv.cpp.n_layer", "1");
            }
        }
    }

    private static void assertSame(List<Tensor> written, TensorStore read) {
        assertThat(read.names()).containsExactlyElementsOf(written.stream().map(Tensor::name).toList());
        for (Tensor w : written) {
            Tensor t = read.get(w.name());
            assertThat(t.type()).as(w.name()).isEqualTo(w.type());
            assertThat(t.shape()).as(w.name()).isEqualTo(w.shape().length == 0 && read.format().equals("gguf") ? new long[] {1} : w.shape());
            assertThat(t.data().toArray(ValueLayout.JAVA_BYTE)).as(w.name()).isEqualTo(w.data().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /** 1..6 tensors of the given types; ranks {@code minRank..maxRank}; rows a whole number of blocks. */
    private static List<Tensor> randomTensors(Random r, List<DType> types, int minRank, int maxRank) {
        List<Tensor> out = new ArrayList<>();
        int n = 1 + r.nextInt(6);
        for (int i = 0; i < n; i++) {
            DType type = types.get(r.nextInt(types.size()));
            int rank = minRank + r.nextInt(maxRank - minRank + 1);
            long[] shape = new long[rank];
            for (int d = 0; d < rank; d++) shape[d] = 1 + r.nextInt(d == rank - 1 ? 9 : 4);
            if (rank > 0) shape[rank - 1] *= type.blockSize();
            if (rank == 0 && type.isQuantized()) continue;
            out.add(randomTensor(r, "t" + i + "." + randomName(r), type, shape));
        }
        if (out.isEmpty()) out.add(randomTensor(r, "only", types.getFirst(), new long[] {types.getFirst().blockSize()}));
        return out;
    }

    /** Random bytes: every bit pattern is a valid value of every type (NaNs included), so bytes must come back as they went. */
    private static Tensor randomTensor(Random r, String name, DType type, long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        long bytes = type.byteSize(n);
        MemorySegment seg = Arena.ofAuto().allocate(Math.max(1, bytes)).asSlice(0, bytes);
        byte[] b = new byte[(int) bytes];
        r.nextBytes(b);
        MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, b.length);
        return new Tensor(name, type, shape, seg);
    }

    private static String randomName(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + r.nextInt(12);
        for (int i = 0; i < n; i++) {
            int cp = switch (r.nextInt(4)) {
                case 0 -> 'a' + r.nextInt(26);
                case 1 -> '0' + r.nextInt(10);
                case 2 -> 0xA0 + r.nextInt(0x700);
                default -> 0x1F600 + r.nextInt(64);
            };
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private static SequencedMap<String, GgufValue> randomMetadata(Random r) {
        SequencedMap<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.string("test"));
        int i = 0;
        for (GgufType t : GgufType.values()) {
            if (t == GgufType.ARRAY) {
                m.put("k" + i++ + ".strings", GgufValue.strings(List.of(randomName(r), "", randomName(r))));
                m.put("k" + i++ + ".ints", GgufValue.i32s(r.nextInt(), r.nextInt(), 0));
                List<Object> nested = List.of(GgufValue.i32s(1, 2), GgufValue.i32s(3));
                m.put("k" + i++ + ".nested", new GgufValue(GgufType.ARRAY, GgufType.ARRAY, nested));
            } else {
                m.put("k" + i++ + "." + t.name().toLowerCase(), new GgufValue(t, null, randomScalar(r, t)));
            }
        }
        return m;
    }

    private static Object randomScalar(Random r, GgufType t) {
        return switch (t) {
            case UINT8 -> (long) r.nextInt(256);
            case INT8 -> (long) (byte) r.nextInt();
            case UINT16 -> (long) r.nextInt(65536);
            case INT16 -> (long) (short) r.nextInt();
            case UINT32 -> r.nextInt() & 0xFFFF_FFFFL;
            case INT32 -> (long) r.nextInt();
            case UINT64, INT64 -> r.nextLong();
            case FLOAT32 -> (double) (float) r.nextGaussian();
            case FLOAT64 -> r.nextGaussian();
            case BOOL -> r.nextBoolean();
            case STRING -> randomName(r);
            case ARRAY -> throw new IllegalArgumentException();
        };
    }

}
