package dev.jrwkv.model;

import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Backend;

/** RWKV-4 (being written). */
public final class Rwkv4 implements Model {
    private final ModelConfig config;

    Rwkv4(ModelConfig config, TensorStore store, Backend backend) {
        this.config = config;
        throw new UnsupportedOperationException("RWKV-4 is not implemented yet");
    }

    @Override public ModelConfig config() { return config; }
    @Override public float[] forward(int[] tokens, State state) { throw new UnsupportedOperationException(); }
    @Override public float[] forwardAll(int[] tokens, State state) { throw new UnsupportedOperationException(); }
    @Override public String fingerprint() { return ""; }
    @Override public void close() { }
}
