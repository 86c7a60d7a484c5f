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
            timeMix.forward(l, params.block(l), A, acts.stream[l], A.xMid(), vFirst);
            channelMix.forward(params.block(l), A, acts.stream[l + 1]);
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
            channelMix.backward(params.block(l), d.block(l), A, grads);
            timeMix.backward(l, params.block(l), d.block(l), A, acts.stream[l], vFirst, grads);
        }
        Parameters.Block b0 = params.block(0), d0 = d.block(0);
        LayerNormOp.backward(grads.dx, acts.emb, acts.ln0Mean, acts.ln0Rstd, b0.ln0w(), grads.dh, false, d0.ln0w(), d0.ln0b(), M, C, 1);
        EmbeddingOp.backward(grads.dh, acts.tokens, d.emb(), M, C);
    }
}
