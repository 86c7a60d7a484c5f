package dev.jrwkv.train;

/**
 * What a run trains and how it reads the data, beside the {@link TrainConfig}:
 * <ul>
 *   <li>{@link Tuning#FULL}: every parameter (pre-training, full fine-tuning);</li>
 *   <li>{@link Tuning#STATE}: only the initial WKV state of every layer ({@link TunedState}), the model frozen;</li>
 *   <li>{@link Tuning#LORA}: only low-rank adapters of rank {@code loraRank} ({@link LoraAdapters}).</li>
 * </ul>
 * {@code carryState}: each of the B sequences reads its own part of the data as consecutive
 * chunks of T tokens, starting each chunk from the state the previous one ended in (truncated
 * backpropagation through time: unlimited context at a fixed cost per step). Otherwise every step
 * reads B random windows starting from a zero state.
 *
 * <pre>{@code
 * TrainMode mode = TrainMode.full().withCarryState(true);
 * }</pre>
 */
public record TrainMode(Tuning tuning, int loraRank, boolean carryState) {
    public enum Tuning { FULL, STATE, LORA }

    public TrainMode {
        if (tuning == Tuning.LORA && loraRank <= 0) throw new IllegalArgumentException("LoRA needs a positive rank, got " + loraRank);
    }

    public static TrainMode full() {
        return new TrainMode(Tuning.FULL, 0, false);
    }

    public static TrainMode stateTuning() {
        return new TrainMode(Tuning.STATE, 0, false);
    }

    public static TrainMode lora(int rank) {
        return new TrainMode(Tuning.LORA, rank, false);
    }

    public TrainMode withCarryState(boolean carry) {
        return new TrainMode(tuning, loraRank, carry);
    }
}
