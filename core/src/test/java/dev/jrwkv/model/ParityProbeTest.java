package dev.jrwkv.model;

import dev.jrwkv.Fixtures;
import org.junit.jupiter.api.Test;

class ParityProbeTest {
    @Test
    void probe() {
        for (String[] p : new String[][] {{"7v0-834K", "tiny-rwkv-7v0-834K-FP32.bin"},{"4v0-660K", "tiny-rwkv-4v0-660K-FP32.bin"},{"5v1-730K", "tiny-rwkv-5v1-730K-FP32.bin"},{"5v2-730K", "tiny-rwkv-5v2-730K-FP32.bin"},{"6v0-1m", "tiny-rwkv-6v0-1m-FP32.bin"}}) {
            OfficialTrace tr = OfficialTrace.load(p[0]);
            try (Model m = Model.load(Fixtures.file("tiny-rwkv/" + p[1]))) {
                State s = m.newState();
                float worst = 0;
                for (int t = 0; t < tr.promptIds().length; t++) {
                    float[] lg = m.step(tr.promptIds()[t], s);
                    worst = Math.max(worst, OfficialTrace.maxAbs(lg, tr.promptLogits()[t]));
                }
                System.out.println(p[0] + " prompt max abs " + worst + " state rel " + OfficialTrace.maxRel(s.toArray(), tr.stateAfterPrompt()));
            }
        }
    }
}
