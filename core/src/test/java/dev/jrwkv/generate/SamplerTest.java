package dev.jrwkv.generate;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SamplerTest {
    /** Logits whose softmax is exactly {0.5, 0.3, 0.15, 0.05}. */
    static final float[] LOGITS = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};

    static Sampler sampler(SamplingParams p) {
        return new Sampler(p.withPenalties(0, 0), id -> false);
    }

    @Test
    void topPKeepsTheSmallestHeadReachingP() {
        // cumulative 0.5, 0.8 >= 0.7: cutoff 0.3, keep {0.5, 0.3} -> {0.625, 0.375}
        double[] p = sampler(SamplingParams.defaults().withTopP(0.7f)).probabilities(LOGITS);
        assertThat(p).containsExactly(new double[] {0.625, 0.375, 0, 0}, within(1e-6));
    }

    @Test
    void topKThenTemperature() {
        // top-k 3 keeps {0.5, 0.3, 0.15}; T = 0.5 squares them: {0.25, 0.09, 0.0225} / 0.3625
        double[] p = sampler(SamplingParams.defaults().withTopP(1f).withTopK(3).withTemperature(0.5f)).probabilities(LOGITS);
        assertThat(p).containsExactly(new double[] {0.25 / 0.3625, 0.09 / 0.3625, 0.0225 / 0.3625, 0}, within(1e-6));
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheTop() {
        // min-p 0.4: floor 0.2 drops 0.15 and 0.05 -> {0.625, 0.375}
        double[] p = sampler(SamplingParams.defaults().withTopP(1f).withMinP(0.4f)).probabilities(LOGITS);
        assertThat(p).containsExactly(new double[] {0.625, 0.375, 0, 0}, within(1e-6));
    }

    @Test
    void temperatureZeroIsGreedy() {
        Sampler s = sampler(SamplingParams.greedy().withSeed(1L));
        for (int i = 0; i < 50; i++) assertThat(s.sample(LOGITS)).isZero();
    }

    @Test
    void drawsFollowTheDistributionAndTheSeed() {
        SamplingParams p = SamplingParams.defaults().withTopP(1f).withSeed(123L);
        Sampler a = sampler(p), b = sampler(p);
        int[] counts = new int[4];
        int n = 40_000;
        for (int i = 0; i < n; i++) {
            int x = a.sample(LOGITS);
            assertThat(b.sample(LOGITS)).isEqualTo(x);        // same seed, same stream
            counts[x]++;
        }
        double[] expected = {0.5, 0.3, 0.15, 0.05};
        for (int i = 0; i < 4; i++) assertThat(counts[i] / (double) n).isCloseTo(expected[i], within(0.01));
    }

    @Test
    void penaltiesDecayAndExemptTokensOnlyGetThePresencePenalty() {
        SamplingParams p = SamplingParams.defaults().withPenalties(0.5f, 0.25f).withPenaltyDecay(0.5f);
        Sampler s = new Sampler(p, id -> id == 2);
        s.accept(1);            // {1: 1}
        s.accept(1);            // {1: 0.5 + 1}
        s.accept(2);            // {1: 0.75, 2: 0 (exempt)}
        float[] adj = s.adjusted(new float[] {0, 0, 0, 0});
        assertThat(adj[0]).isZero();
        assertThat(adj[1]).isCloseTo(-(0.5f + 0.75f * 0.25f), within(1e-6f));
        assertThat(adj[2]).isCloseTo(-0.5f, within(1e-6f));
        assertThat(adj[3]).isZero();
    }

    @Test
    void bannedTokensAndBiasAreApplied() {
        Sampler s = sampler(SamplingParams.greedy().withBannedTokens(Set.of(0)).withLogitBias(java.util.Map.of(3, 10f)));
        assertThat(s.sample(LOGITS)).isEqualTo(3);
        Sampler t = sampler(SamplingParams.greedy().withBannedTokens(Set.of(0)));
        assertThat(t.sample(LOGITS)).isEqualTo(1);
    }

    @Test
    void officialExemptionIsASubstringTest() {
        assertThat(Sampler.exemptionOf(" ")).isTrue();
        assertThat(Sampler.exemptionOf("123")).isTrue();
        assertThat(Sampler.exemptionOf("\t0")).isTrue();
        assertThat(Sampler.exemptionOf(" a")).isFalse();
        assertThat(Sampler.exemptionOf("31")).isFalse();
    }
}
