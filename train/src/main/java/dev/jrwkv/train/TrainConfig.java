package dev.jrwkv.train;

/**
 * What to train and how. {@link #byteLevel} gives the defaults: vocab 256 (token = byte), head
 * size 64 (or C when smaller), AdamW β (0.9, 0.99), eps 1e-8, weight decay 0.1 on the 2-D
 * {@code .weight} matrices only, warm-up over 5% of the steps then cosine to lr/10, gradient
 * norm clipped at 1.0, 10% of the data held out for validation.
 *
 * <pre>{@code
 * TrainConfig cfg = TrainConfig.byteLevel(4, 128, 128, 8, 1000, 1e-3, 42).withThreads(2);
 * }</pre>
 *
 * @param evalEvery   validate every this many steps (and after the last); 0 = never
 * @param evalBatches batches of B·T tokens used for one validation loss
 */
public record TrainConfig(ModelShape shape, int ctx, int batch, int steps, double lr, double lrFinal, int warmupSteps,
                          double weightDecay, double gradClip, double beta1, double beta2, double adamEps,
                          long seed, int threads, double valFraction, int evalEvery, int evalBatches) {

    public TrainConfig {
        if (ctx <= 0 || batch <= 0 || steps < 0) throw new IllegalArgumentException("ctx, batch must be positive and steps >= 0");
        if (!(lr > 0) || !(lrFinal >= 0) || warmupSteps < 0) throw new IllegalArgumentException("bad learning rate schedule: lr " + lr + " final " + lrFinal + " warmup " + warmupSteps);
        if (weightDecay < 0 || !(gradClip > 0)) throw new IllegalArgumentException("weight decay must be >= 0 and grad clip > 0");
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && adamEps > 0)) throw new IllegalArgumentException("bad AdamW betas/eps");
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
        if (!(valFraction >= 0 && valFraction < 1)) throw new IllegalArgumentException("valFraction must be in [0, 1)");
        if (evalEvery < 0 || evalBatches < 1) throw new IllegalArgumentException("evalEvery >= 0 and evalBatches >= 1 required");
    }

    public static TrainConfig byteLevel(int layers, int embd, int ctx, int batch, int steps, double lr, long seed) {
        ModelShape shape = ModelShape.of(256, layers, embd, Math.min(64, embd));
        return new TrainConfig(shape, ctx, batch, steps, lr, lr / 10, Math.max(1, steps / 20), 0.1, 1.0, 0.9, 0.99, 1e-8,
                seed, Runtime.getRuntime().availableProcessors(), 0.1, Math.max(1, steps / 10), 4);
    }

    public TrainConfig withShape(ModelShape s) {
        return new TrainConfig(s, ctx, batch, steps, lr, lrFinal, warmupSteps, weightDecay, gradClip, beta1, beta2, adamEps, seed, threads, valFraction, evalEvery, evalBatches);
    }

    public TrainConfig withThreads(int n) {
        return new TrainConfig(shape, ctx, batch, steps, lr, lrFinal, warmupSteps, weightDecay, gradClip, beta1, beta2, adamEps, seed, n, valFraction, evalEvery, evalBatches);
    }

    public TrainConfig withSchedule(double lrFinal, int warmupSteps) {
        return new TrainConfig(shape, ctx, batch, steps, lr, lrFinal, warmupSteps, weightDecay, gradClip, beta1, beta2, adamEps, seed, threads, valFraction, evalEvery, evalBatches);
    }

    public TrainConfig withValidation(double fraction, int every, int batches) {
        return new TrainConfig(shape, ctx, batch, steps, lr, lrFinal, warmupSteps, weightDecay, gradClip, beta1, beta2, adamEps, seed, threads, fraction, every, batches);
    }

    public TrainConfig withRegularization(double decay, double clip) {
        return new TrainConfig(shape, ctx, batch, steps, lr, lrFinal, warmupSteps, decay, clip, beta1, beta2, adamEps, seed, threads, valFraction, evalEvery, evalBatches);
    }

    public TrainConfig withSteps(int n) {
        return new TrainConfig(shape, ctx, batch, n, lr, lrFinal, warmupSteps, weightDecay, gradClip, beta1, beta2, adamEps, seed, threads, valFraction, evalEvery, evalBatches);
    }

    /** Learning rate at step {@code s} (0-based): linear warm-up to lr, then cosine down to lrFinal at the last step. */
    public double learningRate(int s) {
        if (s < warmupSteps) return lr * (s + 1) / warmupSteps;
        int span = Math.max(1, steps - warmupSteps - 1);
        double progress = Math.min(1.0, (double) (s - warmupSteps) / span);
        return lrFinal + (lr - lrFinal) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
