package dev.jrwkv.generate;

/**
 * One generated token as a listener sees it.
 *
 * @param id           the token id, or -1 for the last event, which flushes text held back until the end
 * @param text         the text that became visible with this token: only complete UTF-8 characters, and
 *                     none that could still turn out to be the start of a stop string (may be empty)
 * @param index        0 for the first generated token
 * @param elapsedNanos time since generation started (prompt reading included)
 */
public record GeneratedToken(int id, String text, int index, long elapsedNanos) {
}
