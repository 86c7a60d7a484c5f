package dev.jrwkv.generate;

import dev.jrwkv.Fixtures;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class StateCacheTest {

    private static State after(Model m, int[] tokens) {
        State s = m.newState();
        m.forward(tokens, s);
        return s;
    }

    @Test
    void findsTheLongestCachedPrefixAndHandsOutCopies() {
        try (Model m = Model.load(Fixtures.file(GeneratorTest.V7.toString()))) {
            StateCache cache = new StateCache(m, 1 << 20, null, 0);
            int[] a = {1, 2, 3}, ab = {1, 2, 3, 4, 5}, abc = {1, 2, 3, 4, 5, 6, 7};
            State sa = after(m, a), sab = after(m, ab);
            float[] logitsAb = new float[256];
            logitsAb[7] = 1;
            cache.put("", a, sa, null);
            cache.put("", ab, sab, logitsAb);

            StateCache.Hit hit = cache.lookup("", abc);
            assertThat(hit.length()).isEqualTo(5);
            assertThat(hit.state().toArray()).isEqualTo(sab.toArray());
            assertThat(hit.state()).isNotSameAs(sab);
            hit.state().set(new float[sab.toArray().length]);            // the copy is private
            assertThat(cache.lookup("", abc).state().toArray()).isEqualTo(sab.toArray());

            // the whole prompt matches only with its logits; without them the shorter prefix serves
            assertThat(cache.lookup("", ab).length()).isEqualTo(5);
            assertThat(cache.lookup("", ab).logits()).isEqualTo(logitsAb);
            assertThat(cache.lookup("", a)).isNull();
            assertThat(cache.lookup("", new int[] {1, 2, 3, 9}).length()).isEqualTo(3);
            assertThat(cache.lookup("", new int[] {9, 2, 3, 4})).isNull();
            assertThat(cache.lookup("other", abc)).isNull();               // another initial state
            assertThat(cache.hits()).isEqualTo(5);
            assertThat(cache.misses()).isEqualTo(3);
        }
    }

    @Test
    void boundedByBytesLeastRecentlyUsedFirstOut() {
        try (Model m = Model.load(Fixtures.file(GeneratorTest.V7.toString()))) {
            long one = 4L * (m.config().stateSize() + 2) + 256;
            StateCache cache = new StateCache(m, 2 * one, null, 0);
            cache.put("", new int[] {1, 1}, m.newState(), null);
            cache.put("", new int[] {2, 2}, m.newState(), null);
            assertThat(cache.lookup("", new int[] {1, 1, 5})).isNotNull();   // 1 1 is now the most recent
            cache.put("", new int[] {3, 3}, m.newState(), null);
            assertThat(cache.entries()).isEqualTo(2);
            assertThat(cache.bytes()).isLessThanOrEqualTo(2 * one);
            assertThat(cache.lookup("", new int[] {2, 2, 5})).isNull();
            assertThat(cache.lookup("", new int[] {1, 1, 5})).isNotNull();
            assertThat(cache.lookup("", new int[] {3, 3, 5})).isNotNull();
        }
    }

    @Test
    void spillsToDiskAndBringsStatesBack(@TempDir Path dir) throws IOException {
        try (Model m = Model.load(Fixtures.file(GeneratorTest.V7.toString()))) {
            long one = 4L * (m.config().stateSize() + 2) + 256;
            StateCache cache = new StateCache(m, one, dir, 1 << 20);
            State s1 = after(m, new int[] {1, 1});
            cache.put("", new int[] {1, 1}, s1, null);
            cache.put("", new int[] {2, 2}, after(m, new int[] {2, 2}), null);   // pushes 1 1 to disk
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.count()).isEqualTo(1);
            }
            assertThat(cache.spilledBytes()).isPositive();
            StateCache.Hit back = cache.lookup("", new int[] {1, 1, 7});
            assertThat(back.length()).isEqualTo(2);
            assertThat(back.state().toArray()).isEqualTo(s1.toArray());
            assertThat(back.logits()).isNull();
            assertThat(cache.lookup("", new int[] {2, 2, 7})).isNotNull();     // came back from disk in turn
            assertThat(cache.entries()).isEqualTo(2);
        }
    }
}
