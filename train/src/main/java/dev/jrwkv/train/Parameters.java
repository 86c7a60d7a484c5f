package dev.jrwkv.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * Every trainable tensor of an RWKV-7 model, with the official names, shapes and file order
 * ({@code emb.weight [V,C]}, {@code blocks.N.att.x_r [1,1,C]}, {@code w1 [C,D]},
 * {@code receptance.weight [C,C]} stored [out, in], {@code r_k [H,N]}, ..., {@code head.weight [V,C]}).
 * Layer 0 has {@code ln0} and no {@code v0/v1/v2}. Gradients and optimizer moments use the same
 * class: a second instance of the same shape.
 *
 * <pre>{@code
 * Parameters p = Parameters.zeros(ModelShape.of(256, 2, 64, 32));
 * float[] w0 = p.block(1).w0();
 * }</pre>
 */
public final class Parameters {

    /** One block's tensors; {@code ln0*} only in layer 0, {@code v0, v1, v2} only from layer 1. */
    public record Block(float[] ln1w, float[] ln1b, float[] ln2w, float[] ln2b, float[] ln0w, float[] ln0b,
                        float[] xr, float[] xw, float[] xk, float[] xv, float[] xa, float[] xg,
                        float[] w1, float[] w2, float[] w0, float[] a1, float[] a2, float[] a0,
                        float[] v1, float[] v2, float[] v0, float[] g1, float[] g2,
                        float[] kk, float[] ka, float[] rk,
                        float[] receptance, float[] key, float[] value, float[] output,
                        float[] lnxw, float[] lnxb, float[] ffnXk, float[] ffnKey, float[] ffnValue) {
    }

    private final ModelShape shape;
    private final SequencedMap<String, Param> all = new LinkedHashMap<>();
    private final Block[] blocks;
    private final float[] emb, lnOutW, lnOutB, head;

    private Parameters(ModelShape s) {
        this.shape = s;
        int V = s.vocab(), C = s.embd(), H = s.heads(), N = s.headSize(), F = s.ffnDim();
        emb = add("emb.weight", V, C);
        blocks = new Block[s.layers()];
        for (int l = 0; l < s.layers(); l++) {
            String b = "blocks." + l + ".", a = b + "att.", f = b + "ffn.";
            float[] ln1w = add(b + "ln1.weight", C), ln1b = add(b + "ln1.bias", C);
            float[] ln2w = add(b + "ln2.weight", C), ln2b = add(b + "ln2.bias", C);
            float[] ln0w = l == 0 ? add(b + "ln0.weight", C) : null, ln0b = l == 0 ? add(b + "ln0.bias", C) : null;
            float[] xr = add(a + "x_r", 1, 1, C), xw = add(a + "x_w", 1, 1, C), xk = add(a + "x_k", 1, 1, C);
            float[] xv = add(a + "x_v", 1, 1, C), xa = add(a + "x_a", 1, 1, C), xg = add(a + "x_g", 1, 1, C);
            float[] w1 = add(a + "w1", C, s.rankW()), w2 = add(a + "w2", s.rankW(), C), w0 = add(a + "w0", 1, 1, C);
            float[] a1 = add(a + "a1", C, s.rankA()), a2 = add(a + "a2", s.rankA(), C), a0 = add(a + "a0", 1, 1, C);
            float[] v1 = null, v2 = null, v0 = null;
            if (l > 0) {
                v1 = add(a + "v1", C, s.rankV());
                v2 = add(a + "v2", s.rankV(), C);
                v0 = add(a + "v0", 1, 1, C);
            }
            float[] g1 = add(a + "g1", C, s.rankG()), g2 = add(a + "g2", s.rankG(), C);
            float[] kk = add(a + "k_k", 1, 1, C), ka = add(a + "k_a", 1, 1, C), rk = add(a + "r_k", H, N);
            float[] R = add(a + "receptance.weight", C, C), K = add(a + "key.weight", C, C);
            float[] Vw = add(a + "value.weight", C, C), O = add(a + "output.weight", C, C);
            float[] lnxw = add(a + "ln_x.weight", C), lnxb = add(a + "ln_x.bias", C);
            float[] ffnXk = add(f + "x_k", 1, 1, C), ffnK = add(f + "key.weight", F, C), ffnV = add(f + "value.weight", C, F);
            blocks[l] = new Block(ln1w, ln1b, ln2w, ln2b, ln0w, ln0b, xr, xw, xk, xv, xa, xg, w1, w2, w0, a1, a2, a0,
                    v1, v2, v0, g1, g2, kk, ka, rk, R, K, Vw, O, lnxw, lnxb, ffnXk, ffnK, ffnV);
        }
        lnOutW = add("ln_out.weight", C);
        lnOutB = add("ln_out.bias", C);
        head = add("head.weight", V, C);
    }

    /** All tensors of {@code shape}, zero. */
    public static Parameters zeros(ModelShape shape) {
        return new Parameters(shape);
    }

    private float[] add(String name, int... dims) {
        Param p = Param.zeros(name, dims);
        all.put(name, p);
        return p.data();
    }

    public ModelShape shape() {
        return shape;
    }

    /** Every tensor by official name, in the official file order. */
    public SequencedMap<String, Param> all() {
        return Collections.unmodifiableSequencedMap(all);
    }

    public List<Param> list() {
        return new ArrayList<>(all.values());
    }

    public Param get(String name) {
        Param p = all.get(name);
        if (p == null) throw new IllegalArgumentException("no parameter " + name + " in " + shape);
        return p;
    }

    public Block block(int layer) {
        return blocks[layer];
    }

    public float[] emb() {
        return emb;
    }

    public float[] lnOutW() {
        return lnOutW;
    }

    public float[] lnOutB() {
        return lnOutB;
    }

    public float[] head() {
        return head;
    }

    /** Total number of floats. */
    public long count() {
        long n = 0;
        for (Param p : all.values()) n += p.size();
        return n;
    }

    /** Sets every value to zero (gradients before a step). */
    public void zero() {
        for (Param p : all.values()) java.util.Arrays.fill(p.data(), 0f);
    }

    /** Copies every value from {@code other} (same shape). */
    public void copyFrom(Parameters other) {
        if (!other.shape.equals(shape)) throw new IllegalArgumentException("shape " + other.shape + " is not " + shape);
        for (Param p : all.values()) System.arraycopy(other.get(p.name()).data(), 0, p.data(), 0, p.size());
    }
}
