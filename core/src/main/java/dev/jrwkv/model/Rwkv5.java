package dev.jrwkv.model;

import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Backend;

/** RWKV-5 (being written). */
public final class Rwkv5 implements Model {
    private final ModelConfig config;

    Rwkv5(ModelConfig config, TensorStore store, Backend backend) {
        this.config = config;
        throw new UnsupportedOperationException("RWKV-5 is not implemented yet");
    }

    @Override public ModelConfig config() { return config; }
    @Override public float[] forward(int[] tokens, State state) { throw new UnsupportedOperationException(); }
    @Override public float[] forwardAll(int[] tokens, State state) { throw new UnsupportedOperationException(); }
    @Override public String fingerprint() { return ""; }
    @Override public void close() { }
}
