package dev.jrwkv.train;

/**
 * The token-shift mix {@code x_c = h + (h_prev − h) ⊙ μ}, where {@code h_prev} is the previous
 * token's h in the same sequence (zero before the first token, as in training from a zero state).
 */
final class TokenShiftOp {
    private TokenShiftOp() {
    }

    static void forward(float[] h, float[] mu, float[] out, float[] first, int B, int T, int C) {
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
                int o = (b * T + t) * C;
                for (int c = 0; c < C; c++) {
                    float prev = t == 0 ? first[b * C + c] : h[o - C + c];
                    float d = prev - h[o + c];
                    out[o + c] = h[o + c] + d * mu[c];
                }
            }
        }
    }

    /** Adds d(out) into dh (at t and t−1) and into dμ; no gradient flows into {@code first} (truncated there). */
    static void backward(float[] dOut, float[] h, float[] mu, float[] first, float[] dh, float[] dmu, int B, int T, int C) {
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
                int o = (b * T + t) * C;
                for (int c = 0; c < C; c++) {
                    float g = dOut[o + c];
                    float prev = t == 0 ? first[b * C + c] : h[o - C + c];
                    dmu[c] += g * (prev - h[o + c]);
                    dh[o + c] += g * (1f - mu[c]);
                    if (t > 0) dh[o - C + c] += g * mu[c];
                }
            }
        }
    }
}
