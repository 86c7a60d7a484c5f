package dev.jrwkv.model;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.format.ModelFiles;
import dev.jrwkv.format.ModelFormatException;
import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Tensor;

import java.nio.file.Path;

/**
 * Initial states trained by state tuning: a checkpoint (any format jrwkv reads, usually {@code .pth})
 * holding {@code blocks.N.att.time_state} of shape {@code [H, N, N]} for every layer. For v5 and v6
 * the file stores each head's matrix transposed against the inference layout and the official
 * loader transposes it ({@code time_state.transpose(1, 2)}); so does this class. For v7 the file is
 * taken in the v7 inference layout ({@code S[value][key]}, the layout of the v7 kernels), as jrwkv's
 * trainer writes it. Token shifts start at zero.
 *
 * <pre>{@code
 * State initial = StateTuning.load(Path.of("role-play.pth"), model);
 * }</pre>
 */
public final class StateTuning {
    private StateTuning() {
    }

    public static State load(Path file, Model model) {
        ModelConfig c = model.config();
        if (c.version() == Version.V4) throw new JrwkvException("RWKV-4 has no matrix state: state tuning needs v5, v6 or v7");
        int H = c.heads(), N = c.headSize();
        State state = model.newState();
        try (TensorStore store = ModelFiles.open(file)) {
            for (int l = 0; l < c.layers(); l++) {
                String name = "blocks." + l + ".att.time_state";
                Tensor t = store.find(name).orElseThrow(() ->
                        new ModelFormatException(file, "not a state-tuning file for this model: missing " + name));
                if (t.numel() != (long) H * N * N) {
                    throw new ModelFormatException(file, name + " has " + t.numel() + " elements, expected [" + H + ", " + N + ", " + N + "] for " + c.summary());
                }
                float[] v = t.toFloats();
                int base = state.wkv(l);
                for (int h = 0; h < H; h++) {
                    for (int i = 0; i < N; i++) {
                        for (int j = 0; j < N; j++) {
                            float x = c.version() == Version.V7 ? v[(h * N + i) * N + j] : v[(h * N + j) * N + i];
                            state.data[base + (h * N + i) * N + j] = x;
                        }
                    }
                }
            }
        }
        return state;
    }
}
