package dev.jrwkv.cli;

import dev.jrwkv.format.TensorStore;
import dev.jrwkv.model.ModelConfig;
import dev.jrwkv.model.OfficialTensors;

import java.nio.file.Path;

/**
 * Reads a model file's configuration from its tensor headers alone, so that a command can check
 * its inputs against the model (vocabulary, byte-level or not) before loading the weights.
 */
final class ModelProbe {
    private ModelProbe() {
    }

    static ModelConfig config(Path model) {
        try (TensorStore store = OfficialTensors.open(model, false)) {
            return ModelConfig.detect(store);
        }
    }
}
