package dev.jrwkv.model;

import java.util.Arrays;

/**
 * The recurrent state of one sequence: all a model remembers of the context, in a fixed size.
 * Laid out as the official implementation's state list, flattened: per layer, v4 holds
 * {@code att_xx, att_aa, att_bb, att_pp, ffn_xx} ({@code C} each), v5 to v7 hold
 * {@code att_x_prev [C], att_kv [H, N, N], ffn_x_prev [C]}.
 *
 * <pre>{@code
 * State s = model.newState();
 * model.forward(prompt, s);
 * State fork = s.copy();          // branch the conversation
 * StateFiles.save(fork, path, model);
 * }</pre>
 */
public final class State {
    private final ModelConfig config;
    final float[] data;

    /** A fresh state: zeros, and for v4 the running maximum at -1e30 as the official code starts it. */
    public State(ModelConfig config) {
        this.config = config;
        this.data = new float[config.stateSize()];
        if (config.version() == Version.V4) {
            for (int l = 0; l < config.layers(); l++) Arrays.fill(data, v4pp(l), v4pp(l) + config.embd(), -1e30f);
        }
    }

    private State(ModelConfig config, float[] data) {
        this.config = config;
        this.data = data;
    }

    public ModelConfig config() {
        return config;
    }

    /** A deep copy. */
    public State copy() {
        return new State(config, data.clone());
    }

    /** Overwrites this state with {@code other}'s values (same model shape). */
    public void copyFrom(State other) {
        if (other.data.length != data.length) throw new IllegalArgumentException("state of another model shape");
        System.arraycopy(other.data, 0, data, 0, data.length);
    }

    /** The values in the official order (a copy). */
    public float[] toArray() {
        return data.clone();
    }

    /** Replaces the values (official order); the length must match. */
    public void set(float[] values) {
        if (values.length != data.length) {
            throw new IllegalArgumentException("state has " + data.length + " floats, got " + values.length);
        }
        System.arraycopy(values, 0, data, 0, data.length);
    }

    int layerBase(int layer) {
        return layer * config.layerStateSize();
    }

    /** Offset of the time-mix token shift (the ln1 output of the previous token). */
    int attShift(int layer) {
        return layerBase(layer);
    }

    /** Offset of the WKV matrices {@code [H, N, N]} (v5 to v7). */
    int wkv(int layer) {
        return layerBase(layer) + config.embd();
    }

    /** Offset of the channel-mix token shift (the ln2 output of the previous token). */
    int ffnShift(int layer) {
        return layerBase(layer) + config.layerStateSize() - config.embd();
    }

    int v4aa(int layer) {
        return layerBase(layer) + config.embd();
    }

    int v4bb(int layer) {
        return layerBase(layer) + 2 * config.embd();
    }

    int v4pp(int layer) {
        return layerBase(layer) + 3 * config.embd();
    }
}
