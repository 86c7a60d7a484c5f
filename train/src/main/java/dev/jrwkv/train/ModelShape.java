package dev.jrwkv.train;

/**
 * The sizes of an RWKV-7 model to train: vocabulary V, layers L, width C = H·N, FFN width 4C and
 * the four LoRA ranks (decay w, in-context rate a, value residual v, gate g).
 *
 * <pre>{@code
 * ModelShape shape = ModelShape.of(256, 4, 128, 64); // byte-level, L4 C128, two heads of 64
 * }</pre>
 */
public record ModelShape(int vocab, int layers, int embd, int headSize, int rankW, int rankA, int rankV, int rankG) {

    public ModelShape {
        if (vocab <= 0 || layers <= 0 || embd <= 0 || headSize <= 0) {
            throw new IllegalArgumentException("sizes must be positive: V" + vocab + " L" + layers + " C" + embd + " N" + headSize);
        }
        if (embd % headSize != 0) throw new IllegalArgumentException("width " + embd + " is not a multiple of head size " + headSize);
        if (rankW <= 0 || rankA <= 0 || rankV <= 0 || rankG <= 0) throw new IllegalArgumentException("LoRA ranks must be positive");
    }

    /** A shape with the official LoRA rank suggestions: max(32, round(k·√C / 32)·32) with k = 2.5, 2.5, 1.7, 5. */
    public static ModelShape of(int vocab, int layers, int embd, int headSize) {
        return new ModelShape(vocab, layers, embd, headSize,
                suggestedRank(2.5, embd), suggestedRank(2.5, embd), suggestedRank(1.7, embd), suggestedRank(5, embd));
    }

    private static int suggestedRank(double k, int embd) {
        return Math.max(32, (int) Math.round(k * Math.sqrt(embd) / 32) * 32);
    }

    public int heads() {
        return embd / headSize;
    }

    public int ffnDim() {
        return 4 * embd;
    }

    @Override
    public String toString() {
        return "RWKV-7 L" + layers + " C" + embd + " H" + heads() + "xN" + headSize + " V" + vocab
                + " lora[w" + rankW + " a" + rankA + " v" + rankV + " g" + rankG + "]";
    }
}
