package dev.jrwkv.train;

import dev.jrwkv.format.TensorStore;
import dev.jrwkv.model.Model;
import dev.jrwkv.tensor.ScalarBackend;
import dev.jrwkv.tensor.Tensor;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedCollection;
import java.util.SequencedMap;

/** The inference model over tensors held in memory under their official names, as a safetensors file presents them. */
final class InferenceModels {
    private InferenceModels() {
    }

    static Model rwkv7(SequencedMap<String, Tensor> tensors) {
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
        return Model.fromStore(store, new ScalarBackend());
    }
}
