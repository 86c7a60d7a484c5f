package dev.jrwkv.cli;

import java.io.PrintWriter;

/**
 * Progress of long work on stderr: a bar redrawn in place on a terminal, or, when stderr is not a
 * terminal (a pipe, a log file, a test), a plain line at every tenth of the work.
 *
 * <pre>{@code
 * ProgressBar bar = ProgressBar.on(io.err(), "converting");
 * bar.update(3, 10, "blocks.1.att.key.weight");
 * bar.done("wrote out.gguf");
 * }</pre>
 */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final String label;
    private final boolean terminal;
    private int lastTenth = -1;
    private long lastDraw;

    private ProgressBar(PrintWriter err, String label, boolean terminal) {
        this.err = err;
        this.label = label;
        this.terminal = terminal;
    }

    /** A bar when the process's stderr is a terminal, plain lines otherwise. */
    static ProgressBar on(PrintWriter err, String label) {
        var console = System.console();
        return new ProgressBar(err, label, console != null && console.isTerminal());
    }

    void update(long done, long total, String what) {
        if (total <= 0) return;
        int tenth = (int) (10 * done / total);
        if (terminal) {
            long now = System.nanoTime();
            if (done < total && now - lastDraw < 50_000_000L) return;    // at most 20 redraws a second
            lastDraw = now;
            int filled = (int) (WIDTH * done / total);
            String item = what == null ? "" : " " + (what.length() > 40 ? what.substring(0, 37) + "..." : what);
            err.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + done + "/" + total + item + "\u001b[K");
            err.flush();
        } else if (tenth != lastTenth) {
            lastTenth = tenth;
            err.println(label + ": " + done + "/" + total + " (" + (100 * done / total) + "%)");
        }
    }

    /** Ends the bar's line and prints {@code message} on its own line. */
    void done(String message) {
        if (terminal) err.print("\r\u001b[K");
        err.println(message);
        err.flush();
    }
}
