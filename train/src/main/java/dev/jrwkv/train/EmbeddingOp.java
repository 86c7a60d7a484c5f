package dev.jrwkv.train;

/** The embedding lookup {@code x = E[token]} and its backward, a scatter-add in row order. */
final class EmbeddingOp {
    private EmbeddingOp() {
    }

    static void forward(float[] emb, int[] tokens, float[] out, int M, int C) {
        for (int m = 0; m < M; m++) System.arraycopy(emb, tokens[m] * C, out, m * C, C);
    }

    static void backward(float[] dOut, int[] tokens, float[] dEmb, int M, int C) {
        for (int m = 0; m < M; m++) {
            int e = tokens[m] * C, o = m * C;
            for (int c = 0; c < C; c++) dEmb[e + c] += dOut[o + c];
        }
    }
}
