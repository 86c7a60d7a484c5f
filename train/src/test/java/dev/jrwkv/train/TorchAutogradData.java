package dev.jrwkv.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jrwkv.tensor.DType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the inputs of the PyTorch autograd comparison: the tiny model's weights and one batch.
 * {@code src/test/python/rwkv7_autograd.py} then computes the gradients with autograd; both are
 * committed under {@code src/test/resources/torch-autograd/} and read by {@link TorchAutogradParityTest}.
 */
public final class TorchAutogradData {
    static final ModelShape SHAPE = new ModelShape(24, 2, 32, 16, 4, 4, 4, 6);
    static final int B = 2, T = 20;

    private TorchAutogradData() {
    }

    static int[] inputs() {
        return TestModels.randomTokens(B * T, SHAPE.vocab(), 21);
    }

    static int[] targets() {
        return TestModels.randomTokens(B * T, SHAPE.vocab(), 22);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        Parameters p = TestModels.randomized(SHAPE, 13);
        Checkpoints.writeSafetensors(dir.resolve("weights.safetensors"), p, DType.F32, Map.of());
        Map<String, Object> batch = new LinkedHashMap<>();
        batch.put("batch", B);
        batch.put("ctx", T);
        batch.put("layers", SHAPE.layers());
        batch.put("heads", SHAPE.heads());
        batch.put("head_size", SHAPE.headSize());
        batch.put("vocab", SHAPE.vocab());
        batch.put("inputs", inputs());
        batch.put("targets", targets());
        new ObjectMapper().writeValue(dir.resolve("batch.json").toFile(), batch);
    }
}
