package dev.jrwkv.model;

import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Backend;
import dev.jrwkv.tensor.Tensor;

/**
 * RWKV-4: per-channel WKV with a numerically stable running maximum. Official {@code att_one} /
 * {@code ffn_one}; state per layer {@code xx, aa, bb, pp, ffn_xx}.
 */
public final class Rwkv4 extends RwkvModel {

    private record Layer(float[] ln1w, float[] ln1b, float[] ln2w, float[] ln2b,
                         float[] mk, float[] mv, float[] mr, float[] decay, float[] first,
                         Tensor K, Tensor V, Tensor R, Tensor O,
                         float[] ffnMk, float[] ffnMr, Tensor ffnK, Tensor ffnV, Tensor ffnR) {
    }

    private final Layer[] layers;

    Rwkv4(ModelConfig config, TensorStore store, Backend backend) {
        super(config, store, backend);
        WeightReader w = new WeightReader(store, config);
        int F = config.ffnDim();
        layers = new Layer[config.layers()];
        for (int l = 0; l < layers.length; l++) {
            String b = "blocks." + l + ".", a = b + "att.", f = b + "ffn.";
            float[] decay = w.vector(a + "time_decay", C);
            if (w.layout() == Layout.OFFICIAL) {
                for (int c = 0; c < C; c++) decay[c] = (float) -Math.exp(decay[c]);   // w = -exp(time_decay), once at load
            }
            layers[l] = new Layer(
                    w.vector(b + "ln1.weight", C), w.vector(b + "ln1.bias", C),
                    w.vector(b + "ln2.weight", C), w.vector(b + "ln2.bias", C),
                    w.vector(a + "time_mix_k", C), w.vector(a + "time_mix_v", C), w.vector(a + "time_mix_r", C),
                    decay, w.vector(a + "time_first", C),
                    w.matrix(a + "key.weight", C, C), w.matrix(a + "value.weight", C, C),
                    w.matrix(a + "receptance.weight", C, C), w.matrix(a + "output.weight", C, C),
                    w.vector(f + "time_mix_k", C), w.vector(f + "time_mix_r", C),
                    w.matrix(f + "key.weight", F, C), w.matrix(f + "value.weight", C, F), w.matrix(f + "receptance.weight", C, C));
        }
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
        float[] kx = new float[n], vx = new float[n], rx = new float[n];
        for (int i = 0; i < n; i++) {
            int c = i % C;
            kx[i] = h[i] * p.mk[c] + prev[i] * (1 - p.mk[c]);
            vx[i] = h[i] * p.mv[c] + prev[i] * (1 - p.mv[c]);
            rx[i] = h[i] * p.mr[c] + prev[i] * (1 - p.mr[c]);
        }
        float[] r = matmul(p.R, rx, T);
        float[] k = matmul(p.K, kx, T);
        float[] v = matmul(p.V, vx, T);
        int aa = b.layout().v4aa(l), bb = b.layout().v4bb(l), pp = b.layout().v4pp(l);
        float[] rwkv = new float[n];
        for (int t = 0; t < T; t++) {
            float[] s = b.state(t);
            for (int c = 0; c < C; c++) {
                int i = t * C + c;
                float ww = p.first[c] + k[i];
                float q = Math.max(s[pp + c], ww);
                float e1 = exp(s[pp + c] - q), e2 = exp(ww - q);
                float wkv = (e1 * s[aa + c] + e2 * v[i]) / (e1 * s[bb + c] + e2);
                ww = p.decay[c] + s[pp + c];
                q = Math.max(ww, k[i]);
                e1 = exp(ww - q);
                e2 = exp(k[i] - q);
                s[aa + c] = e1 * s[aa + c] + e2 * v[i];
                s[bb + c] = e1 * s[bb + c] + e2;
                s[pp + c] = q;
                rwkv[i] = sigmoid(r[i]) * wkv;
            }
        }
        float[] out = matmul(p.O, rwkv, T);
        for (int i = 0; i < n; i++) x[i] += out[i];
    }

    private void channelMix(int l, Layer p, float[] x, Batch b) {
        lerpChannelMix(l, x, b, p.ln2w, p.ln2b, p.ffnMk, p.ffnMr, p.ffnK, p.ffnV, p.ffnR);
    }

    private static float exp(float x) {
        return (float) Math.exp(x);
    }
}
