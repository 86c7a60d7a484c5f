package dev.jrwkv.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * This process's resident memory as Linux reports it in {@code /proc/self/status}: the peak
 * ({@code VmHWM}), the current total ({@code VmRSS}) and its split into file-backed pages (the
 * memory-mapped model, the JVM's own libraries) and anonymous ones (Java heap, JIT code, stacks).
 * Empty where {@code /proc} is absent (macOS, Windows).
 *
 * <pre>{@code
 * ProcessMemory.read().ifPresent(m -> System.out.println(m.peakBytes()));
 * }</pre>
 *
 * @param peakBytes VmHWM, the most RSS the process has had
 * @param rssBytes  VmRSS now
 * @param anonBytes RssAnon now
 * @param fileBytes RssFile now
 */
record ProcessMemory(long peakBytes, long rssBytes, long anonBytes, long fileBytes) {

    static Optional<ProcessMemory> read() {
        Path status = Path.of("/proc/self/status");
        try {
            return Files.isReadable(status) ? parse(Files.readAllLines(status)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The fields of a {@code /proc/PID/status} text; empty if VmHWM or VmRSS is missing. */
    static Optional<ProcessMemory> parse(List<String> lines) {
        long hwm = -1, rss = -1, anon = -1, file = -1;
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon);
            switch (key) {
                case "VmHWM" -> hwm = kibibytes(line.substring(colon + 1));
                case "VmRSS" -> rss = kibibytes(line.substring(colon + 1));
                case "RssAnon" -> anon = kibibytes(line.substring(colon + 1));
                case "RssFile" -> file = kibibytes(line.substring(colon + 1));
                default -> { }
            }
        }
        if (hwm < 0 || rss < 0) return Optional.empty();
        return Optional.of(new ProcessMemory(hwm, rss, anon, file));        // RssAnon/RssFile: -1 on kernels before 4.5
    }

    /** {@code "   1234 kB"} in bytes; -1 if it is not that. */
    private static long kibibytes(String value) {
        String v = value.trim();
        if (!v.endsWith(" kB")) return -1;
        try {
            return Math.multiplyExact(Long.parseLong(v.substring(0, v.length() - 3).trim()), 1024L);
        } catch (NumberFormatException | ArithmeticException e) {
            return -1;
        }
    }

    /** The larger of two readings by current RSS: the split nearest the peak. */
    ProcessMemory maxByRss(ProcessMemory other) {
        return other.rssBytes > rssBytes ? other.withPeak(Math.max(peakBytes, other.peakBytes)) : withPeak(Math.max(peakBytes, other.peakBytes));
    }

    private ProcessMemory withPeak(long peak) {
        return new ProcessMemory(peak, rssBytes, anonBytes, fileBytes);
    }
}
