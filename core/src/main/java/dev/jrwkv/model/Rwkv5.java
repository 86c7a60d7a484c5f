package dev.jrwkv.model;

import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Backend;
import dev.jrwkv.tensor.Tensor;

/**
 * RWKV-5 ("Eagle"): matrix-valued state per head, {@code S[h][i][j]} with i = key, j = value.
 * 5.0 (rwkv.cpp's "5.1") has no gate and one decay and bonus per head; 5.1 adds the SiLU gate;
 * 5.2 has decay and bonus per channel. Official {@code att_one_v5} / {@code att_one_v5_1}.
 */
public final class Rwkv5 extends RwkvModel {

    private record Layer(float[] ln1w, float[] ln1b, float[] ln2w, float[] ln2b,
                         float[] mk, float[] mv, float[] mr, float[] mg,
                         float[] decay, float[] bonus, Tensor K, Tensor V, Tensor R, Tensor G, Tensor O,
                         float[] lnxw, float[] lnxb,
                         float[] ffnMk, float[] ffnMr, Tensor ffnK, Tensor ffnV, Tensor ffnR) {
    }

    private final Layer[] layers;
    private final int H, N;
    private final boolean gated;

    Rwkv5(ModelConfig config, TensorStore store, Backend backend) {
        super(config, store, backend);
        H = config.heads();
        N = config.headSize();
        gated = config.version() != Version.V5_0;
        boolean perChannel = config.version() == Version.V5_2;
        WeightReader w = new WeightReader(store, config);
        int F = config.ffnDim();
        layers = new Layer[config.layers()];
        for (int l = 0; l < layers.length; l++) {
            String b = "blocks." + l + ".", a = b + "att.", f = b + "ffn.";
            int n = perChannel ? C : H;
            float[] decay = w.vector(a + "time_decay", n);
            float[] bonus = w.vector(a + (perChannel ? "time_faaaa" : "time_first"), n);
            if (w.layout() == Layout.OFFICIAL) {
                for (int i = 0; i < n; i++) decay[i] = (float) Math.exp(-Math.exp(decay[i])); // w = exp(-exp(time_decay))
                if (!perChannel) {
                    for (int i = 0; i < n; i++) bonus[i] = (float) Math.exp(bonus[i]);     // u = exp(time_first)
                }
            }
            layers[l] = new Layer(
                    w.vector(b + "ln1.weight", C), w.vector(b + "ln1.bias", C),
                    w.vector(b + "ln2.weight", C), w.vector(b + "ln2.bias", C),
                    w.vector(a + "time_mix_k", C), w.vector(a + "time_mix_v", C), w.vector(a + "time_mix_r", C),
                    gated ? w.vector(a + "time_mix_g", C) : null,
                    expand(decay), expand(bonus),
                    w.matrix(a + "key.weight", C, C), w.matrix(a + "value.weight", C, C),
                    w.matrix(a + "receptance.weight", C, C), gated ? w.matrix(a + "gate.weight", C, C) : null,
                    w.matrix(a + "output.weight", C, C),
                    w.vector(a + "ln_x.weight", C), w.vector(a + "ln_x.bias", C),
                    w.vector(f + "time_mix_k", C), w.vector(f + "time_mix_r", C),
                    w.matrix(f + "key.weight", F, C), w.matrix(f + "value.weight", C, F), w.matrix(f + "receptance.weight", C, C));
        }
    }

    /** Per-head values broadcast to every channel of the head (5.0, 5.1); per-channel values as they are. */
    private float[] expand(float[] v) {
        if (v.length == C) return v;
        float[] out = new float[C];
        for (int c = 0; c < C; c++) out[c] = v[c / N];
        return out;
    }

    @Override
    void blocks(float[] x, Batch b) {
        int T = b.rows();
        for (int l = 0; l < layers.length; l++) {
            timeMix(l, layers[l], x, b);
            channelMix(l, layers[l], x, b);
        }
    }

    private void timeMix(int l, Layer p, float[] x, Batch b) {
        int T = b.rows();
        float[] h = layerNorm(x, T, p.ln1w, p.ln1b);
        float[] prev = shifted(h, b, b.layout().attShift(l));
        int n = T * C;
        float[] kx = new float[n], vx = new float[n], rx = new float[n], gx = gated ? new float[n] : null;
        for (int i = 0; i < n; i++) {
            int c = i % C;
            kx[i] = h[i] * p.mk[c] + prev[i] * (1 - p.mk[c]);
            vx[i] = h[i] * p.mv[c] + prev[i] * (1 - p.mv[c]);
            rx[i] = h[i] * p.mr[c] + prev[i] * (1 - p.mr[c]);
            if (gated) gx[i] = h[i] * p.mg[c] + prev[i] * (1 - p.mg[c]);
        }
        float[] r = matmul(p.R, rx, T);
        float[] k = matmul(p.K, kx, T);
        float[] v = matmul(p.V, vx, T);
        float[] o = WkvMatrixState.run(b, b.layout().wkv(l), r, k, v, p.decay, p.bonus, T, H, N);
        backend.groupNorm(o, o, T, H, p.lnxw, p.lnxb, GN_EPS);
        if (gated) {
            float[] g = matmul(p.G, gx, T);
            for (int i = 0; i < n; i++) o[i] *= silu(g[i]);
        }
        float[] out = matmul(p.O, o, T);
        for (int i = 0; i < n; i++) x[i] += out[i];
    }

    private void channelMix(int l, Layer p, float[] x, Batch b) {
        lerpChannelMix(l, x, b, p.ln2w, p.ln2b, p.ffnMk, p.ffnMr, p.ffnK, p.ffnV, p.ffnR);
    }
}
