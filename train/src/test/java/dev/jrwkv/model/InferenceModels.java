package dev.jrwkv.model;

import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.ScalarBackend;
import dev.jrwkv.tensor.Tensor;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedCollection;
import java.util.SequencedMap;

/**
 * Test bridge: builds the inference {@link Rwkv7} (package-private constructor) over tensors held
 * in memory under their official names, as a safetensors file would present them.
 */
public final class InferenceModels {
    private InferenceModels() {
    }

    public static Model rwkv7(SequencedMap<String, Tensor> tensors) {
        TensorStore store = new TensorStore() {
            @Override
            public Path path() {
                return Path.of("in-memory.safetensors");
            }

            @Override
            public String format() {
                return "safetensors";
            }

            @Override
            public SequencedCollection<String> names() {
                return tensors.sequencedKeySet();
            }

            @Override
            public Map<String, String> metadata() {
                return Map.of();
            }

            @Override
            public Optional<Tensor> find(String name) {
                return Optional.ofNullable(tensors.get(name));
            }

            @Override
            public void close() {
            }
        };
        return new Rwkv7(ModelConfig.detect(store), store, new ScalarBackend());
    }
}
