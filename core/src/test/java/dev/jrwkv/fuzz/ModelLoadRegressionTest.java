package dev.jrwkv.fuzz;

import dev.jrwkv.format.SafetensorsWriter;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model.load on well-formed files whose tensors have the wrong rank for what detection reads
 * (a scalar where a matrix is expected): a ModelFormatException naming the tensor, not an
 * ArrayIndexOutOfBoundsException from {@code dim(i)}.
 */
class ModelLoadRegressionTest {

    @ParameterizedTest
    @ValueSource(strings = {"blocks.0.att.r_k", "blocks.0.att.w1", "blocks.0.att.a1", "blocks.0.att.g1", "blocks.0.ffn.key.weight"})
    void scalarWhereDetectionReadsADimension(String name, @TempDir Path dir) throws Exception {
        List<Tensor> tensors = new ArrayList<>();
        for (Tensor t : TinyModel.officialTensors()) tensors.add(t.name().equals(name) ? Tensor.ofFloats(name, new float[] {1f}) : t);
        Path p = dir.resolve("m.safetensors");
        SafetensorsWriter.write(p, tensors, DType.F32, Map.of());
        InputContract.Outcome o = InputContract.checkFile(p, java.nio.file.Files.size(p), Targets::modelLoad);
        assertThat(o.accepted()).isFalse();
        assertThat(o.message()).contains(name);
    }
}
