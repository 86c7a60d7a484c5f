package dev.jrwkv.model;

import dev.jrwkv.format.TensorStore;
import dev.jrwkv.tensor.Backend;
import dev.jrwkv.tensor.Tensor;

import java.util.Arrays;

/**
 * What every RWKV version shares: the embedding with {@code ln0}, the stack of blocks (per version),
 * and the head {@code logits = W_head LN_out(x)}. Tokens are processed layer by layer over the whole
 * sequence (sequence mode); RNN mode is the same code with one token.
 */
abstract sealed class RwkvModel implements Model permits Rwkv4, Rwkv5, Rwkv6, Rwkv7 {
    static final float LN_EPS = 1e-5f;
    /** Group-norm eps of the official code for v5, v6 and v7 (trained with head_size_divisor 8). */
    static final float GN_EPS = 64e-5f;

    final ModelConfig config;
    final Backend backend;
    final int C;
    private final TensorStore store;
    private final EmbeddingRows emb;
    private final float[] ln0w, ln0b, lnOutW, lnOutB;
    private final Tensor head;
    private final String fingerprint;
    private AutoCloseable ownedBackend;

    RwkvModel(ModelConfig config, TensorStore store, Backend backend) {
        this.config = config;
        this.store = store;
        this.backend = backend;
        this.C = config.embd();
        WeightReader w = new WeightReader(store, config);
        emb = new EmbeddingRows(w.matrix("emb.weight", config.vocab(), C), store);
        ln0w = w.vector("blocks.0.ln0.weight", C);
        ln0b = w.vector("blocks.0.ln0.bias", C);
        lnOutW = w.vector("ln_out.weight", C);
        lnOutB = w.vector("ln_out.bias", C);
        head = w.matrix("head.weight", config.vocab(), C);
        fingerprint = w.fingerprint();
    }

    /** Runs every block over {@code x} ({@code rows x C}), updating the states of {@code b}. */
    abstract void blocks(float[] x, Batch b);

    @Override
    public final ModelConfig config() {
        return config;
    }

    /**
     * Most rows fed through the blocks in one pass. A longer prompt is read in slices of this many
     * tokens (the state carries over), so its activations take {@code MAX_ROWS x width} floats per op
     * whatever its length, while each weight read still serves enough rows to keep the matmul busy.
     */
    static final int MAX_ROWS = 128;

    @Override
    public final float[] forward(int[] tokens, State state) {
        checkTokens(tokens);
        checked(state);
        float[] last = null;
        for (int from = 0; from < tokens.length; from += MAX_ROWS) {
            int to = Math.min(tokens.length, from + MAX_ROWS);
            float[] x = run(Batch.single(Arrays.copyOfRange(tokens, from, to), state));
            if (to == tokens.length) last = Arrays.copyOfRange(x, (to - from - 1) * C, (to - from) * C);
        }
        return logits(last, 1);                                         // the head only for the last token
    }

    @Override
    public final float[] forwardAll(int[] tokens, State state) {
        checkTokens(tokens);
        checked(state);
        int V = config.vocab();
        float[] out = new float[Math.multiplyExact(tokens.length, V)];
        for (int from = 0; from < tokens.length; from += MAX_ROWS) {
            int to = Math.min(tokens.length, from + MAX_ROWS);
            float[] logits = logits(run(Batch.single(Arrays.copyOfRange(tokens, from, to), state)), to - from);
            System.arraycopy(logits, 0, out, from * V, logits.length);
        }
        return out;
    }

    @Override
    public final float[][] forwardBatch(int[][] tokens, State[] states) {
        java.util.Set<State> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (State s : states) {
            if (!distinct.add(checked(s))) throw new IllegalArgumentException("each sequence of a batch needs its own state");
        }
        Batch b = Batch.of(tokens, states);
        float[] x = run(b);
        float[] last = new float[states.length * C];
        for (int r = 0; r < b.rows(); r++) {
            if (b.endsSequence(r)) System.arraycopy(x, r * C, last, b.seq()[r] * C, C);
        }
        float[] all = logits(last, states.length);
        float[][] out = new float[states.length][];
        int V = config.vocab();
        for (int s = 0; s < out.length; s++) out[s] = Arrays.copyOfRange(all, s * V, (s + 1) * V);
        return out;
    }

    private State checked(State state) {
        if (state.config().stateSize() != config.stateSize() || state.config().version() != config.version()) {
            throw new IllegalArgumentException("state belongs to another model shape (" + state.config().summary() + ")");
        }
        return state;
    }

    /** Every token is checked before any is fed: a bad id must not leave the state half-updated. */
    private void checkTokens(int[] tokens) {
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens to feed");
        for (int token : tokens) {
            if (token < 0 || token >= config.vocab()) {
                throw new IllegalArgumentException("token id " + token + " out of range [0, " + config.vocab() + ")");
            }
        }
    }

    private float[] run(Batch b) {
        int T = b.rows();
        if (T == 0) throw new IllegalArgumentException("no tokens to feed");
        checkTokens(b.tokens());
        float[] x = new float[T * C];
        float[] row = new float[C];
        for (int t = 0; t < T; t++) {
            emb.read(b.tokens()[t], row);
            System.arraycopy(row, 0, x, t * C, C);
        }
        backend.layerNorm(x, x, T, ln0w, ln0b, LN_EPS);
        blocks(x, b);
        return x;
    }

    private float[] logits(float[] x, int T) {
        backend.layerNorm(x, x, T, lnOutW, lnOutB, LN_EPS);
        float[] out = new float[T * config.vocab()];
        backend.matmul(head, x, out, T);
        return out;
    }

    /**
     * The token shift: row r sees the row before it, or, at the start of a sequence, the last input
     * of that sequence's previous call, kept in its state at {@code shift}. Afterwards each state
     * holds its sequence's last row.
     */
    final float[] shifted(float[] h, Batch b, int shift) {
        int T = b.rows();
        float[] prev = new float[T * C];
        for (int r = 0; r < T; r++) {
            if (b.startsSequence(r)) System.arraycopy(b.state(r), shift, prev, r * C, C);
            else System.arraycopy(h, (r - 1) * C, prev, r * C, C);
        }
        for (int r = 0; r < T; r++) {
            if (b.endsSequence(r)) System.arraycopy(h, r * C, b.state(r), shift, C);
        }
        return prev;
    }

    /**
     * The RWKV-4/5 channel mix (official {@code ffn_one}): lerp token shift
     * {@code kx = h*mk + prev*(1-mk)}, {@code x += sigmoid(R rx) * V relu(K kx)^2}.
     */
    final void lerpChannelMix(int l, float[] x, Batch b, float[] ln2w, float[] ln2b, float[] mk, float[] mr,
                              Tensor K, Tensor V, Tensor R) {
        int T = b.rows();
        float[] h = layerNorm(x, T, ln2w, ln2b);
        float[] prev = shifted(h, b, b.layout().ffnShift(l));
        int n = T * C;
        float[] kx = new float[n], rx = new float[n];
        for (int i = 0; i < n; i++) {
            int c = i % C;
            kx[i] = h[i] * mk[c] + prev[i] * (1 - mk[c]);
            rx[i] = h[i] * mr[c] + prev[i] * (1 - mr[c]);
        }
        float[] r = matmul(R, rx, T);
        float[] k = matmul(K, kx, T);
        for (int i = 0; i < k.length; i++) k[i] = reluSquared(k[i]);
        float[] v = matmul(V, k, T);
        for (int i = 0; i < n; i++) x[i] += sigmoid(r[i]) * v[i];
    }

    final float[] matmul(Tensor w, float[] x, int T) {
        float[] y = new float[T * Math.toIntExact(w.rows())];
        backend.matmul(w, x, y, T);
        return y;
    }

    /** {@code W_i x_i} for every i, as one job of the backend. */
    final float[][] matmuls(Tensor[] w, float[][] x, int T) {
        float[][] y = new float[w.length][];
        for (int i = 0; i < w.length; i++) y[i] = new float[T * Math.toIntExact(w[i].rows())];
        backend.matmuls(w, x, y, T);
        return y;
    }

    final float[] layerNorm(float[] x, int T, float[] w, float[] b) {
        float[] out = new float[x.length];
        backend.layerNorm(x, out, T, w, b, LN_EPS);
        return out;
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    static float silu(float x) {
        return x * sigmoid(x);
    }

    static float reluSquared(float x) {
        float r = Math.max(x, 0f);
        return r * r;
    }

    @Override
    public final String fingerprint() {
        return fingerprint;
    }

    /** Makes this model close {@code backend} when it closes (it was created for this model alone). */
    final Model owning(AutoCloseable backend) {
        this.ownedBackend = backend;
        return this;
    }

    @Override
    public final void close() {
        emb.close();
        store.close();
        if (ownedBackend != null) {
            try {
                ownedBackend.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot stop the kernel threads", e);
            }
        }
    }
}
