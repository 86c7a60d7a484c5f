package dev.jrwkv.cli;

import dev.jrwkv.tensor.vector.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import dev.jrwkv.tensor.Backend;
import dev.jrwkv.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * The baseline of the context sweep: a plain pre-LayerNorm transformer decoder with a KV cache, of
 * the same width, depth and vocabulary as the RWKV model it is compared with, random F32 weights,
 * and the same kernels ({@link Backend#matvec}). Multi-head softmax attention over the cache (vectorised, heads in parallel), a
 * 4x ReLU² feed-forward. Only its cost matters, so the cache can be filled with random keys and
 * values up to any length ({@link #fillCache}); decoding a token then costs what it costs at that
 * context length.
 */
final class ReferenceTransformer {
    private final int C, L, H, N, V, F;
    private final Backend backend;
    private final Tensor emb, head;
    private final Tensor[] wq, wk, wv, wo, w1, w2;
    private final float[] ones, zeros;
    private float[][] keys, values;   // per layer: [capacity * C]
    private int length;

    ReferenceTransformer(int layers, int embd, int vocab, Backend backend, long seed) {
        this.L = layers;
        this.C = embd;
        this.N = Math.min(64, embd);
        this.H = embd / N;
        this.V = vocab;
        this.F = 4 * embd;
        this.backend = backend;
        SplittableRandom r = new SplittableRandom(seed);
        emb = random("emb", vocab, embd, r);
        head = random("head", vocab, embd, r);
        wq = new Tensor[L];
        wk = new Tensor[L];
        wv = new Tensor[L];
        wo = new Tensor[L];
        w1 = new Tensor[L];
        w2 = new Tensor[L];
        for (int l = 0; l < L; l++) {
            wq[l] = random("q", C, C, r);
            wk[l] = random("k", C, C, r);
            wv[l] = random("v", C, C, r);
            wo[l] = random("o", C, C, r);
            w1[l] = random("w1", F, C, r);
            w2[l] = random("w2", C, F, r);
        }
        ones = new float[C];
        java.util.Arrays.fill(ones, 1f);
        zeros = new float[C];
        keys = new float[L][0];
        values = new float[L][0];
    }

    private static Tensor random(String name, int out, int in, SplittableRandom r) {
        float[] v = new float[out * in];
        float scale = (float) (1 / Math.sqrt(in));
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextDouble(-scale, scale);
        return Tensor.ofFloats(name, v, out, in);
    }

    /** Bytes a KV cache of {@code positions} positions holds (keys and values, every layer, float32). */
    long cacheBytes(int positions) {
        return 2L * L * positions * C * Float.BYTES;
    }

    /** Sets the context to {@code n} positions of random keys and values (the cost of the next token depends only on n). */
    void fillCache(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        keys = new float[L][];
        values = new float[L][];
        for (int l = 0; l < L; l++) {
            keys[l] = new float[(n + 64) * C];
            values[l] = new float[(n + 64) * C];
            for (int i = 0; i < n * C; i++) {
                keys[l][i] = (float) r.nextGaussian();
                values[l][i] = (float) r.nextGaussian();
            }
        }
        length = n;
    }

    /** One decode step: the logits of the next token; the cache grows by one position. */
    float[] step(int token) {
        float[] x = new float[C];
        emb.dequantizeRow(token, x);
        float[] h = new float[C], q = new float[C], k = new float[C], v = new float[C], att = new float[C], o = new float[C];
        float[] u = new float[F];
        for (int l = 0; l < L; l++) {
            backend.layerNorm(x, h, 1, ones, zeros, 1e-5f);
            backend.matvec(wq[l], h, q);
            backend.matvec(wk[l], h, k);
            backend.matvec(wv[l], h, v);
            if ((length + 1) * C > keys[l].length) {
                keys[l] = java.util.Arrays.copyOf(keys[l], Math.max(2 * keys[l].length, (length + 64) * C));
                values[l] = java.util.Arrays.copyOf(values[l], keys[l].length);
            }
            System.arraycopy(k, 0, keys[l], length * C, C);
            System.arraycopy(v, 0, values[l], length * C, C);
            attend(q, keys[l], values[l], length + 1, att);
            backend.matvec(wo[l], att, o);
            for (int i = 0; i < C; i++) x[i] += o[i];
            backend.layerNorm(x, h, 1, ones, zeros, 1e-5f);
            backend.matvec(w1[l], h, u);
            for (int i = 0; i < F; i++) u[i] = u[i] > 0 ? u[i] * u[i] : 0;
            backend.matvec(w2[l], u, o);
            for (int i = 0; i < C; i++) x[i] += o[i];
        }
        length++;
        float[] logits = new float[V];
        backend.layerNorm(x, h, 1, ones, zeros, 1e-5f);
        backend.matvec(head, h, logits);
        return logits;
    }

    /**
     * Softmax attention of one query over {@code n} cached positions: heads in parallel (the common
     * fork-join pool), dot products and weighted sums on vectors, exponentials through the engine's
     * {@link VectorMath}. A fair baseline must not be slowed by a scalar loop: at long contexts its
     * cost should be reading the KV cache, as in a tuned engine.
     */
    private void attend(float[] q, float[] ks, float[] vs, int n, float[] out) {
        float scale = (float) (1 / Math.sqrt(N));
        java.util.Arrays.fill(out, 0f);
        java.util.stream.IntStream.range(0, H).parallel().forEach(h -> {
            int off = h * N;
            float[] score = new float[n];
            float max = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < n; p++) {
                score[p] = dot(q, off, ks, p * C + off, N) * scale;
                max = Math.max(max, score[p]);
            }
            for (int p = 0; p < n; p++) score[p] -= max;
            VectorMath.exp(score);
            float sum = 0;
            for (int p = 0; p < n; p++) sum += score[p];
            for (int p = 0; p < n; p++) axpy(score[p] / sum, vs, p * C + off, out, off, N);
        });
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (int up = S.loopBound(n); j < up; j += S.length()) {
            acc = FloatVector.fromArray(S, a, ao + j).fma(FloatVector.fromArray(S, b, bo + j), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);          // a benchmark model: any summation order will do
        for (; j < n; j++) s += a[ao + j] * b[bo + j];
        return s;
    }

    /** {@code y[yo..] += w * x[xo..]} over {@code n} values. */
    private static void axpy(float w, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector wv = FloatVector.broadcast(S, w);
        int j = 0;
        for (int up = S.loopBound(n); j < up; j += S.length()) {
            FloatVector.fromArray(S, x, xo + j).fma(wv, FloatVector.fromArray(S, y, yo + j)).intoArray(y, yo + j);
        }
        for (; j < n; j++) y[yo + j] += w * x[xo + j];
    }
}
