package dev.jrwkv.train;

/**
 * What one optimizer step reports.
 *
 * @param valLoss        validation loss, NaN when this step did not validate
 * @param gradNorm       global gradient L2 norm before clipping
 * @param tokensPerSecond training tokens (B·T) per second of this step's forward, backward and update
 */
public record StepMetrics(int step, double trainLoss, double valLoss, double lr, double gradNorm, double tokensPerSecond) {
}
