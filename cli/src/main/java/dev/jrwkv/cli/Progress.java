package dev.jrwkv.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of long work measured in bytes: on a terminal a bar redrawn in place (at most ten
 * times a second), otherwise a plain line every tenth of the way, so that logs stay short.
 *
 * <pre>{@code
 * Progress p = Progress.of(io.err(), io.terminal(), "model.pth", totalBytes);
 * p.update(done);
 * p.finish(done);
 * }</pre>
 */
final class Progress {
    private static final int BAR = 30;

    private final PrintWriter err;
    private final boolean terminal;
    private final String label;
    private final long total;
    private final long start = System.nanoTime();
    private final long startBytes;
    private long lastDraw;
    private int lastTenth = -1;

    private Progress(PrintWriter err, boolean terminal, String label, long total, long startBytes) {
        this.err = err;
        this.terminal = terminal;
        this.label = label;
        this.total = total;
        this.startBytes = startBytes;
    }

    /** @param total bytes expected, or -1 when unknown; {@code startBytes} already there (a resumed download) */
    static Progress of(PrintWriter err, boolean terminal, String label, long total, long startBytes) {
        Progress p = new Progress(err, terminal, label, total, startBytes);
        p.update(startBytes);
        return p;
    }

    void update(long done) {
        if (terminal) {
            long now = System.nanoTime();
            if (now - lastDraw < 100_000_000L && done != total) return;
            lastDraw = now;
            err.print("\r" + line(done) + "\u001b[K");
            err.flush();
        } else if (total > 0) {
            int tenth = (int) (10 * done / total);
            if (tenth != lastTenth) {
                lastTenth = tenth;
                err.println(line(done));
            }
        }
    }

    void finish(long done) {
        if (terminal) {
            lastDraw = 0;
            update(done);
            err.println();
        } else if (lastTenth != 10) {
            err.println(line(done));
        }
        err.flush();
    }

    private String line(long done) {
        double seconds = (System.nanoTime() - start) / 1e9;
        String rate = seconds > 0.5 ? "  " + size((long) ((done - startBytes) / seconds)) + "/s" : "";
        if (total <= 0) return label + "  " + size(done) + rate;
        int percent = (int) (100 * done / total);
        StringBuilder line = new StringBuilder(label).append("  ").append(String.format(Locale.ROOT, "%3d%%", percent));
        if (terminal) {
            int fill = (int) ((long) BAR * done / total);
            line.append(" [").append("=".repeat(fill)).append(fill < BAR ? ">" : "").append(" ".repeat(Math.max(0, BAR - fill - 1)))
                    .append(']');
        }
        return line.append("  ").append(size(done)).append(" / ").append(size(total)).append(rate).toString();
    }

    /** A byte count for people: {@code 191.2 MB}. */
    static String size(long bytes) {
        if (bytes < 1000) return bytes + " B";
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
