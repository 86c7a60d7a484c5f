package dev.jrwkv.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The soak in the default test run: 32 loopback clients of mixed, partly hostile traffic for 60 s
 * ({@code -Djrwkv.soak.seconds=N} to change). Every valid answer must equal its solo run, every hostile
 * request must get its expected error, and every slot must come back. The long run is {@link Soak#main}.
 */
class SoakTest {

    @Test
    void mixedHostileTrafficFrom32ClientsLeavesEveryAnswerExactAndEverySlotFree() throws Exception {
        int seconds = Integer.getInteger("jrwkv.soak.seconds", 60);
        ServerOptions options = Soak.options();
        try (TestServer t = new TestServer(options)) {
            Soak.Report report = new Soak(t.rwkv, t.server, options.limits()).run(Duration.ofSeconds(seconds), 32, Duration.ofSeconds(2));
            System.out.print(report.render());
            assertThat(report.failures()).as("wrong answers and unexpected outcomes").isEmpty();
            assertThat(report.failed()).isZero();
            assertThat(report.valid()).as("valid answers").isGreaterThan(seconds);
            assertThat(report.outcomes()).containsKeys("ok completion", "ok completion stream", "ok chat", "ok chat stream", "400 invalid_json",
                    "400 context_length_exceeded", "413 request_too_large", "hung up mid-stream", "hung up mid-body");
            assertThat(report.serverAfter()).contains("active_sessions=0 ", "queue_depth=0 ", "time_limited=0 ");
            // the live heap holds the model, the state cache (filling up to its 32 MiB bound) and what is in flight: less the cache, flat
            double[] heap = report.firstLastMb(Soak.Sample::liveHeapWithoutCache);
            assertThat(heap[1]).as("live heap less the state cache, last quarter vs first (MiB)").isLessThan(heap[0] + 16);
        }
    }
}
