package dev.jrwkv.format;

import dev.jrwkv.Fixtures;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link PyTorchWriter} against a file written by torch.save itself (the official v7 checkpoint). */
class PyTorchWriterTest {
    @TempDir
    Path dir;

    private static List<Tensor> tensors(TensorStore s) {
        List<Tensor> all = new ArrayList<>();
        for (String n : s.names()) all.add(s.get(n));
        return all;
    }

    /**
     * Rewriting the checkpoint's tensors gives torch's bytes: the same pickle, entries, alignment,
     * descriptors and ZIP64 records; only the serialization id (random in torch) and its CRCs differ.
     */
    @Test
    void rewritingTheOfficialCheckpointReproducesTorchsBytes() throws IOException {
        Path src = Fixtures.file("official/7v0-834K.pth");
        Path out = dir.resolve("7v0-834K-FP32.pth");
        try (PyTorchFile f = PyTorchFile.open(src)) {
            PyTorchWriter.write(out, f.metadata().get("pytorch.archive"), tensors(f), DType.BF16);
        }
        byte[] theirs = Files.readAllBytes(src), ours = Files.readAllBytes(out);
        assertThat(ours).hasSameSizeAs(theirs);
        int diffs = 0, first = -1;
        for (int i = 0; i < ours.length; i++) {
            if (ours[i] != theirs[i]) {
                diffs++;
                if (first < 0) first = i;
            }
        }
        String idEntry = "7v0-834K-FP32/.data/serialization_id";
        int idHeader = indexOf(theirs, idEntry.getBytes());
        // the 40 id digits, the CRC in its descriptor and in its central-directory record
        assertThat(diffs).isLessThanOrEqualTo(48);
        assertThat(first).isGreaterThan(idHeader);
        try (PyTorchFile a = PyTorchFile.open(src); PyTorchFile b = PyTorchFile.open(out)) {
            assertThat(b.names()).containsExactlyElementsOf(a.names());
        }
    }

    @Test
    void f32AndF16ReadBackWithTheirValues() throws IOException {
        float[] v = {1.5f, -2.25f, 3f, 0.1f, 5f, 6f};
        List<Tensor> in = List.of(Tensor.ofFloats("a.weight", v, 2, 3), Tensor.ofFloats("b", new float[] {7f}, 1, 1, 1),
                Tensor.ofFloats("scalar", new float[] {4f}));
        for (DType type : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            Path out = dir.resolve("t-" + type + ".pth");
            PyTorchWriter.write(out, PyTorchWriter.archiveName(out), in, type);
            try (PyTorchFile f = PyTorchFile.open(out)) {
                assertThat(f.names()).containsExactly("a.weight", "b", "scalar");
                assertThat(f.get("a.weight").type()).isEqualTo(type);
                assertThat(f.get("a.weight").shape()).containsExactly(2, 3);
                assertThat(f.get("b").shape()).containsExactly(1, 1, 1);
                assertThat(f.get("scalar").shape()).isEmpty();
                assertThat(f.get("a.weight").toFloats()[1]).isEqualTo(-2.25f);
                assertThat(f.metadata()).containsEntry("pytorch.archive", "t-" + type).containsEntry("pytorch.version", "3");
                // every storage starts at a multiple of 64 bytes in the file
                assertThat(f.get("a.weight").data().address() % 64).isZero();
            }
        }
    }

    /** More than 1000 tensors: the pickle's items go in batches of 1000 (as Python's pickler writes them). */
    @Test
    void manyTensorsAndLargeMemoIndices() throws IOException {
        List<Tensor> in = new ArrayList<>();
        for (int i = 0; i < 1500; i++) in.add(Tensor.ofFloats("t" + i, new float[] {i}, 1));
        Path out = dir.resolve("many.pth");
        PyTorchWriter.write(out, "many", in, DType.F32);
        try (PyTorchFile f = PyTorchFile.open(out)) {
            assertThat(f.names()).hasSize(1500);
            assertThat(f.get("t1234").data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0)).isEqualTo(1234f);
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
