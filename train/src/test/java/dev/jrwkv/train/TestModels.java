package dev.jrwkv.train;

import java.util.SplittableRandom;

/** Small models for tests: the official init, then noise on everything so no gradient is trivially zero. */
final class TestModels {
    private TestModels() {
    }

    /** V24 L2 C16, two heads of 8, LoRA ranks 4/4/4/6. */
    static final ModelShape TINY = new ModelShape(24, 2, 16, 8, 4, 4, 4, 6);

    static Parameters randomized(ModelShape shape, long seed) {
        Parameters p = Initializer.official(shape, seed);
        SplittableRandom rng = new SplittableRandom(seed + 1);
        for (Param q : p.list()) {
            float[] a = q.data();
            int[] dims = q.shape();
            int cols = dims[dims.length - 1];
            boolean matrix = q.size() > cols;
            double scale = q.name().equals("emb.weight") ? 1.0 : matrix ? 0.5 / Math.sqrt(cols) : 0.1;
            for (int i = 0; i < a.length; i++) a[i] += (float) (scale * rng.nextGaussian());
        }
        return p;
    }

    static int[] randomTokens(int n, int vocab, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = rng.nextInt(vocab);
        return t;
    }
}
