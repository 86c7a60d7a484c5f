package dev.jrwkv.train;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.format.SafetensorsWriter;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * State tuning's trainable set: one initial WKV state per layer, {@code [H, N, N]} in the v7
 * layout (per head {@code S[value][key]}), shared by every sequence and starting at zero. Saved as
 * {@code blocks.N.att.time_state}, the tensors {@code dev.jrwkv.model.StateTuning} loads.
 *
 * <pre>{@code
 * TunedState s = new TunedState(shape);   // trained by Trainer with TrainMode.stateTuning()
 * s.save(Path.of("role.safetensors"));
 * }</pre>
 */
public final class TunedState {
    private final ModelShape shape;
    private final List<float[]> layers = new ArrayList<>();

    public TunedState(ModelShape shape) {
        this.shape = shape;
        int size = shape.heads() * shape.headSize() * shape.headSize();
        for (int l = 0; l < shape.layers(); l++) layers.add(new float[size]);
    }

    /** Layer {@code l}'s state, [H, N, N] (live, not a copy). */
    public float[] layer(int l) {
        return layers.get(l);
    }

    List<float[]> arrays() {
        return layers;
    }

    /** Makes every sequence of {@code net}'s next forward start from this state. */
    void startFrom(TrainableRwkv7 net) {
        for (int l = 0; l < shape.layers(); l++) {
            float[] s = layers.get(l), in = net.initialState(l);
            for (int b = 0; b < net.batch(); b++) System.arraycopy(s, 0, in, b * s.length, s.length);
        }
    }

    /** d(loss)/d(state) of {@code net}'s last backward: the sum over the sequences of the batch. */
    List<float[]> gradient(TrainableRwkv7 net) {
        List<float[]> g = new ArrayList<>();
        for (int l = 0; l < shape.layers(); l++) {
            float[] d = net.initialStateGradient(l), sum = new float[layers.get(l).length];
            for (int b = 0; b < net.batch(); b++) for (int i = 0; i < sum.length; i++) sum[i] += d[b * sum.length + i];
            g.add(sum);
        }
        return g;
    }

    /** Writes {@code blocks.N.att.time_state} [H, N, N] (F32) as safetensors. */
    public void save(Path file) {
        List<Tensor> tensors = new ArrayList<>();
        long H = shape.heads(), N = shape.headSize();
        for (int l = 0; l < shape.layers(); l++) tensors.add(Tensor.ofFloats("blocks." + l + ".att.time_state", layers.get(l), H, N, N));
        try {
            SafetensorsWriter.write(file, tensors, DType.F32, Map.of("format", "pt", "jrwkv_state_tuning", shape.toString()));
        } catch (IOException e) {
            throw new JrwkvException("cannot write state " + file + ": " + e.getMessage(), e);
        }
    }
}
