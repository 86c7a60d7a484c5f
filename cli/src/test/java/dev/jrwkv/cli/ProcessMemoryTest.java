package dev.jrwkv.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessMemoryTest {

    @Test
    void readsPeakRssAndItsSplitFromProcStatus() {
        List<String> status = List.of("Name:\tjava", "VmPeak:\t 8000000 kB", "VmHWM:\t  995000 kB", "VmRSS:\t  990000 kB",
                "RssAnon:\t  600000 kB", "RssFile:\t  389000 kB", "RssShmem:\t    1000 kB", "Threads:\t14");
        ProcessMemory m = ProcessMemory.parse(status).orElseThrow();
        assertThat(m.peakBytes()).isEqualTo(995000L * 1024);
        assertThat(m.rssBytes()).isEqualTo(990000L * 1024);
        assertThat(m.anonBytes()).isEqualTo(600000L * 1024);
        assertThat(m.fileBytes()).isEqualTo(389000L * 1024);
    }

    @Test
    void oldKernelsWithoutTheSplitGiveMinusOne() {
        ProcessMemory m = ProcessMemory.parse(List.of("VmHWM:\t 10 kB", "VmRSS:\t 8 kB")).orElseThrow();
        assertThat(m.anonBytes()).isEqualTo(-1);
        assertThat(m.fileBytes()).isEqualTo(-1);
    }

    @Test
    void garbageOrMissingFieldsGiveNothing() {
        assertThat(ProcessMemory.parse(List.of())).isEmpty();
        assertThat(ProcessMemory.parse(List.of("VmHWM:\t lots", "VmRSS:\t 8 kB"))).isEmpty();
        assertThat(ProcessMemory.parse(List.of("VmHWM 10 kB", "VmRSS:\t 8 kB"))).isEmpty();
    }

    @Test
    void theLargerReadingKeepsItsSplitAndTheHigherPeak() {
        ProcessMemory a = new ProcessMemory(100, 90, 60, 30), b = new ProcessMemory(95, 95, 50, 45);
        assertThat(a.maxByRss(b)).isEqualTo(new ProcessMemory(100, 95, 50, 45));
        assertThat(b.maxByRss(a)).isEqualTo(new ProcessMemory(100, 95, 50, 45));
    }

    @Test
    void readsThisProcessOnLinuxAndNothingElsewhere() {
        if (Files.isReadable(Path.of("/proc/self/status"))) {
            ProcessMemory m = ProcessMemory.read().orElseThrow();
            assertThat(m.peakBytes()).isGreaterThanOrEqualTo(m.rssBytes()).isPositive();
        } else {
            assertThat(ProcessMemory.read()).isEmpty();
        }
    }
}
