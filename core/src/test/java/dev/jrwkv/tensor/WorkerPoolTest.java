package dev.jrwkv.tensor;

import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkerPoolTest {

    @Test
    void everyChunkRunsExactlyOnceInEveryJob() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int job = 0; job < 20_000; job++) {
                int chunks = 1 + job % 17;
                AtomicIntegerArray runs = new AtomicIntegerArray(chunks);
                boolean[] badWorker = new boolean[1];
                pool.run(chunks, (worker, chunk) -> {
                    if (worker < 0 || worker >= 3) badWorker[0] = true;
                    runs.incrementAndGet(chunk);
                });
                for (int c = 0; c < chunks; c++) assertThat(runs.get(c)).as("job %d chunk %d", job, c).isEqualTo(1);
                assertThat(badWorker[0]).isFalse();
            }
        }
    }

    @Test
    void aFailingChunkIsRethrownToTheCallerAndThePoolKeepsWorking() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(() -> pool.run(8, (worker, chunk) -> {
                if (chunk == 5) throw new IllegalArgumentException("chunk five");
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("chunk five");
            AtomicIntegerArray runs = new AtomicIntegerArray(4);
            pool.run(4, (worker, chunk) -> runs.incrementAndGet(chunk));
            assertThat(runs.toString()).isEqualTo("[1, 1, 1, 1]");
        }
    }

    @Test
    void rejectsBadArgumentsAndUseAfterClose() {
        assertThatThrownBy(() -> new WorkerPool(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
        WorkerPool pool = new WorkerPool(2);
        assertThatThrownBy(() -> pool.run(-1, (w, c) -> { })).isInstanceOf(IllegalArgumentException.class);
        pool.close();
        pool.close(); // idempotent
        assertThat(pool.isTerminated()).isTrue();
        assertThatThrownBy(() -> pool.run(2, (w, c) -> { })).isInstanceOf(IllegalStateException.class);
    }
}
