package dev.jrwkv.model;

import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Backend;
import dev.jrwkv.tensor.Tensor;
import dev.jrwkv.tensor.vector.VectorMath;

/**
 * RWKV-6 "Finch": data-dependent token shift (ddlerp through a LoRA) and data-dependent decay
 * {@code w = exp(-exp(time_decay + tanh(x_w D1) D2))}. Official {@code att_one_v6_0} /
 * {@code ffn_one_v6}; the WKV recurrence is RWKV-5's.
 */
public final class Rwkv6 extends RwkvModel {
    /** ddlerp outputs in the official unbind order: w, k, v, r, g. */
    private static final int MW = 0, MK = 1, MV = 2, MR = 3, MG = 4;

    private record Layer(float[] ln1w, float[] ln1b, float[] ln2w, float[] ln2b,
                         float[] maaX, float[][] maa, Tensor maaW1, Tensor[] maaW2,
                         float[] decay, Tensor decayW1, Tensor decayW2, float[] bonus,
                         Tensor K, Tensor V, Tensor R, Tensor G, Tensor O, float[] lnxw, float[] lnxb,
                         float[] ffnMk, float[] ffnMr, Tensor ffnK, Tensor ffnV, Tensor ffnR) {
    }

    private final Layer[] layers;
    private final int H, N;
    private final int maaRank;

    Rwkv6(ModelConfig config, TensorStore store, Backend backend) {
        super(config, store, backend);
        H = config.heads();
        N = config.headSize();
        maaRank = config.loraRanks().get("maa");
        int decayRank = config.loraRanks().get("decay");
        WeightReader w = new WeightReader(store, config);
        int F = config.ffnDim();
        layers = new Layer[config.layers()];
        for (int l = 0; l < layers.length; l++) {
            String b = "blocks." + l + ".", a = b + "att.", f = b + "ffn.";
            float[][] maa = new float[5][];
            String[] maaNames = {"time_maa_w", "time_maa_k", "time_maa_v", "time_maa_r", "time_maa_g"};
            for (int i = 0; i < 5; i++) maa[i] = w.vector(a + maaNames[i], C);
            layers[l] = new Layer(
                    w.vector(b + "ln1.weight", C), w.vector(b + "ln1.bias", C),
                    w.vector(b + "ln2.weight", C), w.vector(b + "ln2.bias", C),
                    w.vector(a + "time_maa_x", C), maa, w.lora(a + "time_maa_w1", 5 * maaRank, C), maaW2(w, a + "time_maa_w2"),
                    w.vector(a + "time_decay", C),   // raw in every layout: the exponentials depend on the token
                    w.lora(a + "time_decay_w1", decayRank, C), w.lora(a + "time_decay_w2", C, decayRank),
                    w.vector(a + "time_faaaa", C),
                    w.matrix(a + "key.weight", C, C), w.matrix(a + "value.weight", C, C),
                    w.matrix(a + "receptance.weight", C, C), w.matrix(a + "gate.weight", C, C),
                    w.matrix(a + "output.weight", C, C),
                    w.vector(a + "ln_x.weight", C), w.vector(a + "ln_x.bias", C),
                    w.vector(f + "time_maa_k", C), w.vector(f + "time_maa_r", C),
                    w.matrix(f + "key.weight", F, C), w.matrix(f + "value.weight", C, F), w.matrix(f + "receptance.weight", C, C));
        }
    }

    /**
     * The five second ddlerp factors as {@code [C, rank]} matrices. Official: {@code [5, rank, C]}
     * used as {@code x @ W[i]}; rwkv.cpp swapped the last two axes, giving {@code [5, C, rank]}.
     */
    private Tensor[] maaW2(WeightReader w, String name) {
        float[] all = w.vector(name, 5 * maaRank * C);
        Tensor[] out = new Tensor[5];
        for (int i = 0; i < 5; i++) {
            float[] m = new float[C * maaRank];
            for (int c = 0; c < C; c++) {
                for (int d = 0; d < maaRank; d++) {
                    m[c * maaRank + d] = w.layout() == Layout.OFFICIAL
                            ? all[(i * maaRank + d) * C + c]
                            : all[(i * C + c) * maaRank + d];
                }
            }
            out[i] = Tensor.ofFloats(name + "[" + i + "]", m, C, maaRank);
        }
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
        float[] d = new float[n], xxx = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = prev[i] - h[i];
            xxx[i] = h[i] + d[i] * p.maaX[i % C];
        }
        // ddlerp: m = tanh(xxx W1) viewed as 5 x rank, each slice through its own W2
        float[] m = matmul(p.maaW1, xxx, T);
        VectorMath.tanh(m);
        float[][] mixed = new float[5][];
        for (int j = 0; j < 5; j++) {
            float[] slice = new float[T * maaRank];
            for (int t = 0; t < T; t++) System.arraycopy(m, t * 5 * maaRank + j * maaRank, slice, t * maaRank, maaRank);
            float[] mj = matmul(p.maaW2[j], slice, T);
            for (int i = 0; i < n; i++) mj[i] = h[i] + d[i] * (p.maa[j][i % C] + mj[i]);
            mixed[j] = mj;
        }
        float[] r = matmul(p.R, mixed[MR], T);
        float[] k = matmul(p.K, mixed[MK], T);
        float[] v = matmul(p.V, mixed[MV], T);
        float[] g = matmul(p.G, mixed[MG], T);
        float[] dd = matmul(p.decayW1, mixed[MW], T);
        VectorMath.tanh(dd);
        float[] w = matmul(p.decayW2, dd, T);
        for (int i = 0; i < n; i++) w[i] += p.decay[i % C];
        VectorMath.exp(w);
        for (int i = 0; i < n; i++) w[i] = -w[i];
        VectorMath.exp(w);                                   // w = exp(-exp(time_decay + tanh(x_w D1) D2))
        float[] o = WkvMatrixState.run(b, b.layout().wkv(l), r, k, v, w, p.bonus, T, H, N);
        backend.groupNorm(o, o, T, H, p.lnxw, p.lnxb, GN_EPS);
        float[] sg = g.clone();
        VectorMath.sigmoid(sg);
        for (int i = 0; i < n; i++) o[i] *= g[i] * sg[i];           // silu(g)
        float[] out = matmul(p.O, o, T);
        for (int i = 0; i < n; i++) x[i] += out[i];
    }

    private void channelMix(int l, Layer p, float[] x, Batch b) {
        int T = b.rows();
        float[] h = layerNorm(x, T, p.ln2w, p.ln2b);
        float[] prev = shifted(h, b, b.layout().ffnShift(l));
        int n = T * C;
        float[] kx = new float[n], rx = new float[n];
        for (int i = 0; i < n; i++) {
            int c = i % C;
            float d = prev[i] - h[i];
            kx[i] = h[i] + d * p.ffnMk[c];
            rx[i] = h[i] + d * p.ffnMr[c];
        }
        float[] r = matmul(p.ffnR, rx, T);
        float[] k = matmul(p.ffnK, kx, T);
        for (int i = 0; i < k.length; i++) k[i] = reluSquared(k[i]);
        float[] v = matmul(p.ffnV, k, T);
        VectorMath.sigmoid(r);
        for (int i = 0; i < n; i++) x[i] += r[i] * v[i];
    }
}
