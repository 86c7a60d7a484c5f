package dev.jrwkv.model;

import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Backend;
import dev.jrwkv.tensor.Tensor;
import dev.jrwkv.tensor.vector.VectorMath;
import dev.jrwkv.tensor.vector.Wkv7;
import dev.jrwkv.tensor.vector.Wkv7Chunk;

/**
 * RWKV-7 "Goose" (x070): the generalised delta rule. Equations as in {@code notes/rwkv7.md} and the
 * official {@code RWKV_x070_TMix_one} / {@code CMix_one}; state {@code S[h][i][j]}, i = value, j = key.
 */
public final class Rwkv7 extends RwkvModel {
    /** exp(-0.5), the official decay scale: w = exp(-0.606531 * sigmoid(w0 + ...)). */
    private static final float DECAY_SCALE = 0.606531f;
    /**
     * The shortest run of one sequence's rows that takes the chunked state update ({@link Wkv7Chunk}):
     * its fixed cost per run (transposing the state in and out) makes it slower than {@link Wkv7#step}
     * below about 12 tokens at N = 64; at 128 tokens it takes about 0.65 of the time.
     */
    private static final int CHUNKED_MIN_TOKENS = 16;
    /** The chunked update's scratch, one per thread that runs this model (it is not thread safe), kept across layers and calls. */
    private final ThreadLocal<Wkv7Chunk> chunkScratch;

    private record Layer(float[] ln1w, float[] ln1b, float[] ln2w, float[] ln2b,
                         float[] xr, float[] xw, float[] xk, float[] xv, float[] xa, float[] xg,
                         float[] w0, float[] a0, float[] v0, float[] kk, float[] ka, float[] rk,
                         Tensor w1, Tensor w2, Tensor a1, Tensor a2, Tensor v1, Tensor v2, Tensor g1, Tensor g2,
                         Tensor R, Tensor K, Tensor V, Tensor O, float[] lnxw, float[] lnxb,
                         float[] ffnXk, Tensor ffnK, Tensor ffnV) {
    }

    private final Layer[] layers;
    private final int H, N;

    Rwkv7(ModelConfig config, TensorStore store, Backend backend) {
        super(config, store, backend);
        H = config.heads();
        N = config.headSize();
        int headSize = N;
        chunkScratch = ThreadLocal.withInitial(() -> new Wkv7Chunk(headSize));
        WeightReader w = new WeightReader(store, config);
        int F = config.ffnDim();
        layers = new Layer[config.layers()];
        for (int l = 0; l < layers.length; l++) {
            String b = "blocks." + l + ".", a = b + "att.", f = b + "ffn.";
            float[][] mix = new float[6][];
            String[] mixNames = {"x_r", "x_w", "x_k", "x_v", "x_a", "x_g"};
            if (w.layout() == Layout.RWKV_CPP) {
                // rwkv.cpp concatenates the six mixes, in this order, into x_rwkvag [6, 1, C]
                float[] all = w.vector(a + "x_rwkvag", 6 * C);
                for (int i = 0; i < 6; i++) mix[i] = java.util.Arrays.copyOfRange(all, i * C, (i + 1) * C);
            } else {
                for (int i = 0; i < 6; i++) mix[i] = w.vector(a + mixNames[i], C);
            }
            int dw = config.loraRanks().get("w"), da = config.loraRanks().get("a"), dg = config.loraRanks().get("g");
            boolean hasV = l > 0; // layer 0 sets v_first = v and has no v0/v1/v2
            int dv = hasV ? config.loraRanks().get("v") : 0;
            layers[l] = new Layer(
                    w.vector(b + "ln1.weight", C), w.vector(b + "ln1.bias", C),
                    w.vector(b + "ln2.weight", C), w.vector(b + "ln2.bias", C),
                    mix[0], mix[1], mix[2], mix[3], mix[4], mix[5],
                    w.vector(a + "w0", C), w.vector(a + "a0", C), hasV ? w.vector(a + "v0", C) : null,
                    w.vector(a + "k_k", C), w.vector(a + "k_a", C), w.vector(a + "r_k", C),
                    w.lora(a + "w1", dw, C), w.lora(a + "w2", C, dw),
                    w.lora(a + "a1", da, C), w.lora(a + "a2", C, da),
                    hasV ? w.lora(a + "v1", dv, C) : null, hasV ? w.lora(a + "v2", C, dv) : null,
                    w.lora(a + "g1", dg, C), w.lora(a + "g2", C, dg),
                    w.matrix(a + "receptance.weight", C, C), w.matrix(a + "key.weight", C, C),
                    w.matrix(a + "value.weight", C, C), w.matrix(a + "output.weight", C, C),
                    w.vector(a + "ln_x.weight", C), w.vector(a + "ln_x.bias", C),
                    w.vector(f + "x_k", C), w.matrix(f + "key.weight", F, C), w.matrix(f + "value.weight", C, F));
        }
    }

    @Override
    void blocks(float[] x, Batch b) {
        int T = b.rows();
        float[] vFirst = new float[T * C];
        for (int l = 0; l < layers.length; l++) {
            timeMix(l, layers[l], x, b, vFirst);
            channelMix(l, layers[l], x, b);
        }
    }

    private void timeMix(int l, Layer p, float[] x, Batch b, float[] vFirst) {
        int T = b.rows();
        float[] h = layerNorm(x, T, p.ln1w, p.ln1b);
        float[] prev = shifted(h, b, b.layout().attShift(l));
        int n = T * C;
        float[] xr = lerp(h, prev, p.xr), xw = lerp(h, prev, p.xw), xk = lerp(h, prev, p.xk);
        float[] xv = lerp(h, prev, p.xv), xa = lerp(h, prev, p.xa), xg = lerp(h, prev, p.xg);
        boolean vResidual = l > 0;                                                // layer 0's v is v_first itself
        // every product of x (projections and the first LoRA factors) in one job, then the second factors in another
        float[][] y1 = vResidual
                ? matmuls(new Tensor[] {p.R, p.K, p.V, p.w1, p.a1, p.g1, p.v1}, new float[][] {xr, xk, xv, xw, xa, xg, xv}, T)
                : matmuls(new Tensor[] {p.R, p.K, p.V, p.w1, p.a1, p.g1}, new float[][] {xr, xk, xv, xw, xa, xg}, T);
        float[] r = y1[0], k = y1[1], v = y1[2];
        float[][] y2 = vResidual
                ? matmuls(new Tensor[] {p.w2, p.a2, p.g2, p.v2}, new float[][] {tanh(y1[3]), y1[4], sigmoid(y1[5]), y1[6]}, T)
                : matmuls(new Tensor[] {p.w2, p.a2, p.g2}, new float[][] {tanh(y1[3]), y1[4], sigmoid(y1[5])}, T);
        float[] w = sigmoid(plus(y2[0], p.w0));                                   // sigmoid(w0 + tanh(x_w W1) W2)
        float[] a = sigmoid(plus(y2[1], p.a0));                                   // sigmoid(a0 + (x_a A1) A2)
        float[] g = y2[2];                                                        // sigmoid(x_g G1) G2
        if (!vResidual) {
            System.arraycopy(v, 0, vFirst, 0, n);
        } else {
            float[] vGate = sigmoid(plus(y2[3], p.v0));                           // sigmoid(v0 + (x_v V1) V2)
            for (int i = 0; i < n; i++) v[i] = v[i] + (vFirst[i] - v[i]) * vGate[i];
        }
        for (int i = 0; i < n; i++) w[i] *= -DECAY_SCALE;
        VectorMath.exp(w);                                                        // w = exp(-0.606531 sigmoid(...))

        float[] kk = new float[n];
        for (int t = 0; t < T; t++) {
            for (int c = 0, i = t * C; c < C; c++, i++) {
                kk[i] = k[i] * p.kk[c];
                k[i] = k[i] * (1 + (a[i] - 1) * p.ka[c]);                        // replacement key
            }
        }
        normalizePerHead(kk, T);                                                  // removal key, unit length per head

        float[] o = new float[n];
        int S0 = b.layout().wkv(l);
        Wkv7Chunk chunked = T >= CHUNKED_MIN_TOKENS ? chunkScratch.get() : null;
        for (int t0 = 0, t1; t0 < T; t0 = t1) {
            float[] S = b.state(t0);
            t1 = t0 + 1;
            while (t1 < T && b.state(t1) == S) t1++;                              // a run of rows of one sequence
            if (t1 - t0 >= CHUNKED_MIN_TOKENS) {                                  // prefill: the chunked matrix form
                for (int hd = 0; hd < H; hd++) chunked.run(S, S0 + hd * N * N, r, w, k, v, kk, a, t0 * C + hd * N, C, t1 - t0, o);
            } else {                                                              // decode and short runs: token by token
                for (int t = t0; t < t1; t++) {
                    for (int hd = 0; hd < H; hd++) Wkv7.step(S, S0 + hd * N * N, N, r, w, k, v, kk, a, t * C + hd * N, o);
                }
            }
        }
        backend.groupNorm(o, o, T, H, p.lnxw, p.lnxb, GN_EPS);
        for (int t = 0; t < T; t++) {
            for (int hd = 0; hd < H; hd++) {
                int base = t * C + hd * N;
                float bonus = 0f;                                                 // u_h = sum_j r_j k_j r_k[j]
                for (int j = 0; j < N; j++) bonus += r[base + j] * k[base + j] * p.rk[hd * N + j];
                for (int j = 0; j < N; j++) o[base + j] = (o[base + j] + bonus * v[base + j]) * g[base + j];
            }
        }
        float[] out = matmul(p.O, o, T);
        for (int i = 0; i < n; i++) x[i] += out[i];
    }

    /** The token shift's mix: {@code h + (prev - h) * mu} per channel, for every row. */
    private float[] lerp(float[] h, float[] prev, float[] mu) {
        float[] out = new float[h.length];
        for (int base = 0; base < h.length; base += C) {
            for (int c = 0; c < C; c++) out[base + c] = h[base + c] + (prev[base + c] - h[base + c]) * mu[c];
        }
        return out;
    }

    /** {@code x + bias} per channel, for every row, in place. */
    private float[] plus(float[] x, float[] bias) {
        for (int base = 0; base < x.length; base += C) {
            for (int c = 0; c < C; c++) x[base + c] += bias[c];
        }
        return x;
    }

    private void channelMix(int l, Layer p, float[] x, Batch b) {
        int T = b.rows();
        float[] h = layerNorm(x, T, p.ln2w, p.ln2b);
        float[] prev = shifted(h, b, b.layout().ffnShift(l));
        float[] z = new float[T * C];
        for (int i = 0; i < z.length; i++) z[i] = h[i] + (prev[i] - h[i]) * p.ffnXk[i % C];
        float[] k = matmul(p.ffnK, z, T);
        for (int i = 0; i < k.length; i++) k[i] = reluSquared(k[i]);
        float[] out = matmul(p.ffnV, k, T);
        for (int i = 0; i < out.length; i++) x[i] += out[i];
    }

    /** F.normalize(x, dim=-1) per head: x / max(|x|, 1e-12). */
    private void normalizePerHead(float[] x, int T) {
        for (int base = 0; base < T * C; base += N) {
            float ss = 0f;
            for (int j = 0; j < N; j++) ss += x[base + j] * x[base + j];
            float norm = Math.max((float) Math.sqrt(ss), 1e-12f);
            for (int j = 0; j < N; j++) x[base + j] /= norm;
        }
    }

    private static float[] tanh(float[] x) {
        VectorMath.tanh(x);
        return x;
    }

    private static float[] sigmoid(float[] x) {
        VectorMath.sigmoid(x);
        return x;
    }
}
