package dev.jrwkv.train;

/** Receives the metrics of every step (on the training thread). */
@FunctionalInterface
public interface TrainListener {
    void onStep(StepMetrics metrics);
}
