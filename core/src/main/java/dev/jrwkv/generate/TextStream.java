package dev.jrwkv.generate;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns token bytes into visible text: only complete UTF-8 characters pass, and text that may be
 * the beginning of a stop string is held back until it is known not to be one.
 */
final class TextStream {
    private final List<String> stopStrings;
    private byte[] pending = new byte[0];
    private final StringBuilder held = new StringBuilder();
    private final StringBuilder emitted = new StringBuilder();
    private boolean stopped;

    TextStream(List<String> stopStrings) {
        this.stopStrings = stopStrings;
    }

    /** Adds a token's bytes; returns the text that becomes visible now. */
    String push(byte[] bytes) {
        byte[] all = new byte[pending.length + bytes.length];
        System.arraycopy(pending, 0, all, 0, pending.length);
        System.arraycopy(bytes, 0, all, pending.length, bytes.length);
        int complete = completePrefix(all);
        pending = java.util.Arrays.copyOfRange(all, complete, all.length);
        held.append(new String(all, 0, complete, StandardCharsets.UTF_8));
        return release(false);
    }

    /** At the end: everything held, and undecodable trailing bytes as U+FFFD. */
    String finish() {
        if (!stopped && pending.length > 0) held.append(new String(pending, StandardCharsets.UTF_8));
        pending = new byte[0];
        return release(true);
    }

    boolean stopped() {
        return stopped;
    }

    String text() {
        return emitted.toString();
    }

    private String release(boolean all) {
        if (stopped) return "";
        int cut = -1;
        for (String s : stopStrings) {
            // a stop string may straddle what was already emitted and what is held
            int from = Math.max(0, emitted.length() - s.length() + 1);
            String window = emitted.substring(from) + held;
            int at = window.indexOf(s);
            if (at >= 0) {
                int inHeld = at - (emitted.length() - from);
                if (cut < 0 || inHeld < cut) cut = Math.max(0, inHeld);
            }
        }
        String out;
        if (cut >= 0) {
            stopped = true;
            out = held.substring(0, cut);
            held.setLength(0);
        } else {
            int keep = all ? 0 : longestStopPrefixSuffix();
            out = held.substring(0, held.length() - keep);
            held.delete(0, held.length() - keep);
        }
        emitted.append(out);
        return out;
    }

    /** Length of the longest end of the held text that starts some stop string. */
    private int longestStopPrefixSuffix() {
        int best = 0;
        for (String s : stopStrings) {
            for (int n = Math.min(s.length() - 1, held.length()); n > best; n--) {
                if (held.substring(held.length() - n).equals(s.substring(0, n))) {
                    best = n;
                    break;
                }
            }
        }
        return best;
    }

    /** Bytes up to the last complete UTF-8 character; an invalid byte counts as complete (it decodes to U+FFFD). */
    static int completePrefix(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) continue;                 // continuation byte: look further back
            int need = c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }
}
