package dev.jrwkv.train;

import java.util.Arrays;

/**
 * An RWKV-7 model over a batch of B sequences of T tokens, with a forward that keeps what the
 * backward needs and an explicit backward that fills {@link #gradients()}. Every buffer is
 * allocated here, once. Not thread-safe; it uses the given pool internally.
 *
 * <pre>{@code
 * try (Parallel pool = new Parallel(2)) {
 *     TrainableRwkv7 net = new TrainableRwkv7(Initializer.official(shape, 1), 4, 64, pool);
 *     double loss = net.forward(inputs, targets);   // inputs, targets: B*T token ids
 *     net.backward();                               // gradients() now holds dLoss/dθ
 * }
 * }</pre>
 */
public final class TrainableRwkv7 {
    private final ModelShape shape;
    private final Parameters params;
    private final Gradients grads;
    private final Activations acts;
    private final TimeMixOp timeMix;
    private final ChannelMixOp channelMix;
    private final HeadLossOp head;
    private final float[] vFirst;
    private final int B, T, M;
    /** Per layer, what the sequences start from ([B, H, N, N] WKV states, [B, C] token-shift h); zero unless set. */
    private final float[][] wkvIn, attShiftIn, ffnShiftIn;
    /** Per layer, the WKV states after the last token, and d(loss)/d(wkvIn) after {@link #backward()}. */
    private final float[][] wkvOut, dWkvIn;

    public TrainableRwkv7(Parameters params, int batch, int ctx, Parallel pool) {
        if (batch <= 0 || ctx <= 0) throw new IllegalArgumentException("batch and ctx must be positive, got B" + batch + " T" + ctx);
        this.shape = params.shape();
        this.params = params;
        this.B = batch;
        this.T = ctx;
        this.M = Math.multiplyExact(batch, ctx);
        int C = shape.embd();
        int maxMatrix = Math.max(Math.max(shape.vocab(), shape.ffnDim()) * C,
                C * Math.max(Math.max(shape.rankW(), shape.rankA()), Math.max(shape.rankV(), shape.rankG())));
        Matmul mm = new Matmul(pool, maxMatrix);
        this.grads = new Gradients(shape, M);
        this.acts = new Activations(shape, B, T);
        this.timeMix = new TimeMixOp(shape, mm, new Wkv7Op(shape, pool), B, T);
        this.channelMix = new ChannelMixOp(shape, mm, B, T);
        this.head = new HeadLossOp(shape, mm, pool, M);
        this.vFirst = new float[M * C];
        int L = shape.layers(), S = Math.multiplyExact(batch * shape.heads(), shape.headSize() * shape.headSize());
        wkvIn = new float[L][S];
        wkvOut = new float[L][S];
        dWkvIn = new float[L][S];
        attShiftIn = new float[L][B * C];
        ffnShiftIn = new float[L][B * C];
    }

    /**
     * The WKV states [B, H, N, N] (S[value][key] per head) that layer {@code layer}'s sequences start
     * from: write into it to start from a tuned state; zero by default.
     */
    public float[] initialState(int layer) {
        return wkvIn[layer];
    }

    /** d(loss)/d({@link #initialState}) of the last {@link #backward()}, [B, H, N, N]. */
    public float[] initialStateGradient(int layer) {
        return dWkvIn[layer];
    }

    /**
     * Makes the next forward continue the sequences of the last one (truncated backpropagation
     * through time): its WKV states and token shifts start where the last forward ended.
     */
    public void carryOver() {
        int C = shape.embd();
        for (int l = 0; l < shape.layers(); l++) {
            System.arraycopy(wkvOut[l], 0, wkvIn[l], 0, wkvIn[l].length);
            Activations.Layer A = acts.layers[l];
            for (int b = 0; b < B; b++) {
                int last = (b * T + T - 1) * C;
                System.arraycopy(A.h1(), last, attShiftIn[l], b * C, C);
                System.arraycopy(A.h2(), last, ffnShiftIn[l], b * C, C);
            }
        }
    }

    /** A copy of what the next forward starts from (see {@link #restoreStart}). */
    public float[][][] saveStart() {
        float[][][] copy = new float[3][][];
        int i = 0;
        for (float[][] set : new float[][][] {wkvIn, attShiftIn, ffnShiftIn}) {
            copy[i] = new float[set.length][];
            for (int l = 0; l < set.length; l++) copy[i][l] = set[l].clone();
            i++;
        }
        return copy;
    }

    /** Puts back what {@link #saveStart} copied. */
    public void restoreStart(float[][][] saved) {
        int i = 0;
        for (float[][] set : new float[][][] {wkvIn, attShiftIn, ffnShiftIn}) {
            for (int l = 0; l < set.length; l++) System.arraycopy(saved[i][l], 0, set[l], 0, set[l].length);
            i++;
        }
    }

    /** Every sequence of the next forward starts from a zero state. */
    public void resetStart() {
        for (int b = 0; b < B; b++) resetCarry(b);
    }

    /** Sequence {@code b} of the next forward starts from a zero state (a new document). */
    public void resetCarry(int b) {
        int C = shape.embd(), S = wkvIn[0].length / B;
        for (int l = 0; l < shape.layers(); l++) {
            Arrays.fill(wkvIn[l], b * S, (b + 1) * S, 0f);
            Arrays.fill(attShiftIn[l], b * C, (b + 1) * C, 0f);
            Arrays.fill(ffnShiftIn[l], b * C, (b + 1) * C, 0f);
        }
    }

    public Parameters parameters() {
        return params;
    }

    /** dLoss/dθ of the last {@link #backward()}, same names and shapes as the parameters. */
    public Parameters gradients() {
        return grads.params;
    }

    public int batch() {
        return B;
    }

    public int ctx() {
        return T;
    }

    /** Logits of the last forward, [B·T, V] position-major. */
    public float[] logits() {
        return acts.logits;
    }

    /** Runs the model on {@code inputs} (B·T ids, sequence-major) and returns the mean cross-entropy against {@code targets}. */
    public double forward(int[] inputs, int[] targets) {
        if (inputs.length != M || targets.length != M) {
            throw new IllegalArgumentException("expected " + M + " = B" + B + " x T" + T + " tokens, got " + inputs.length + " and " + targets.length);
        }
        for (int m = 0; m < M; m++) {
            if (inputs[m] < 0 || inputs[m] >= shape.vocab() || targets[m] < 0 || targets[m] >= shape.vocab()) {
                throw new IllegalArgumentException("token at " + m + " out of range [0, " + shape.vocab() + "): " + inputs[m] + " -> " + targets[m]);
            }
        }
        System.arraycopy(inputs, 0, acts.tokens, 0, M);
        System.arraycopy(targets, 0, acts.targets, 0, M);
        int C = shape.embd();
        Parameters.Block b0 = params.block(0);
        EmbeddingOp.forward(params.emb(), acts.tokens, acts.emb, M, C);
        LayerNormOp.forward(acts.emb, acts.stream[0], acts.ln0Mean, acts.ln0Rstd, b0.ln0w(), b0.ln0b(), M, C, 1, LayerNormOp.LN_EPS);
        for (int l = 0; l < shape.layers(); l++) {
            Activations.Layer A = acts.layers[l];
            timeMix.forward(l, params.block(l), A, acts.stream[l], A.xMid(), vFirst, attShiftIn[l], wkvIn[l], wkvOut[l]);
            channelMix.forward(params.block(l), A, acts.stream[l + 1], ffnShiftIn[l]);
        }
        return head.forward(params, acts, acts.stream[shape.layers()]);
    }

    /** Sets {@link #gradients()} to dLoss/dθ for the last forward (gradients are overwritten, not accumulated). */
    public void backward() {
        Parameters d = grads.params;
        d.zero();
        Arrays.fill(grads.dVFirst, 0f);
        int L = shape.layers(), C = shape.embd();
        head.backward(params, d, acts, acts.stream[L], grads);
        for (int l = L - 1; l >= 0; l--) {
            Activations.Layer A = acts.layers[l];
            channelMix.backward(params.block(l), d.block(l), A, ffnShiftIn[l], grads);
            timeMix.backward(l, params.block(l), d.block(l), A, acts.stream[l], vFirst, attShiftIn[l], dWkvIn[l], grads);
        }
        Parameters.Block b0 = params.block(0), d0 = d.block(0);
        LayerNormOp.backward(grads.dx, acts.emb, acts.ln0Mean, acts.ln0Rstd, b0.ln0w(), grads.dh, false, d0.ln0w(), d0.ln0b(), M, C, 1);
        EmbeddingOp.backward(grads.dh, acts.tokens, d.emb(), M, C);
    }
}
