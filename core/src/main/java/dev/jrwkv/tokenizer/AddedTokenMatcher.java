package dev.jrwkv.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Splits text on a set of added tokens the way Hugging Face's {@code AddedVocabulary} does:
 * leftmost-longest matches (its Aho-Corasick automaton), then the single_word, lstrip and rstrip
 * flags applied to each match. Text between matches is passed on as plain pieces.
 */
final class AddedTokenMatcher {
    private static final Pattern WORD_CHAR = Pattern.compile("\\w", Pattern.UNICODE_CHARACTER_CLASS);

    /** A piece of the text: either plain text ({@code id} = -1) or an added token's match. */
    record Piece(String text, int id) {
    }

    private final Map<Character, List<Match>> byFirstChar = new HashMap<>();

    /** The pattern to look for and the token it stands for (patterns may be normalized contents). */
    private record Match(String pattern, AddedToken token) {
    }

    /** Builds a matcher for {@code tokens}, each looked for as {@code patterns.get(i)}; empty patterns are ignored. */
    AddedTokenMatcher(List<AddedToken> tokens, List<String> patterns) {
        for (int i = 0; i < tokens.size(); i++) {
            String p = patterns.get(i);
            if (p.isEmpty()) continue;
            byFirstChar.computeIfAbsent(p.charAt(0), k -> new ArrayList<>()).add(new Match(p, tokens.get(i)));
        }
        // Longest first, so the first hit at a position is the longest one there.
        for (List<Match> list : byFirstChar.values()) {
            list.sort(Comparator.comparingInt((Match m) -> m.pattern().length()).reversed());
        }
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    /** Feeds the pieces of {@code text} in order to {@code out}; empty plain pieces are dropped. */
    void split(String text, Consumer<Piece> out) {
        if (byFirstChar.isEmpty()) {
            if (!text.isEmpty()) out.accept(new Piece(text, -1));
            return;
        }
        int done = 0;     // end of the last piece handed out
        int searchAt = 0; // where the automaton continues (it does not look back after a match)
        while (searchAt < text.length()) {
            int start = -1;
            Match found = null;
            for (int i = searchAt; i < text.length() && found == null; i++) {
                List<Match> candidates = byFirstChar.get(text.charAt(i));
                if (candidates == null) continue;
                for (Match m : candidates) {
                    if (text.startsWith(m.pattern(), i)) {
                        found = m;
                        start = i;
                        break;
                    }
                }
            }
            if (found == null) break;
            int stop = start + found.pattern().length();
            searchAt = stop;
            AddedToken token = found.token();
            if (token.singleWord() && (endsWithWordChar(text, start) || startsWithWordChar(text, stop))) continue;
            if (token.lstrip()) start = Math.max(whitespaceRunStart(text, start), done);
            if (token.rstrip()) stop = whitespaceRunEnd(text, stop);
            if (start < done) start = done; // an earlier rstrip already took this text
            if (done < start) out.accept(new Piece(text.substring(done, start), -1));
            out.accept(new Piece(text.substring(start, stop), token.id()));
            done = stop;
            searchAt = Math.max(searchAt, stop);
        }
        if (done < text.length()) out.accept(new Piece(text.substring(done), -1));
    }

    private static boolean endsWithWordChar(String s, int end) {
        return end > 0 && WORD_CHAR.matcher(new String(Character.toChars(s.codePointBefore(end)))).matches();
    }

    private static boolean startsWithWordChar(String s, int start) {
        return start < s.length() && WORD_CHAR.matcher(new String(Character.toChars(s.codePointAt(start)))).matches();
    }

    private static int whitespaceRunStart(String s, int end) {
        int i = end;
        while (i > 0 && isWhiteSpace(s.codePointBefore(i))) i -= Character.charCount(s.codePointBefore(i));
        return i;
    }

    private static int whitespaceRunEnd(String s, int start) {
        int i = start;
        while (i < s.length() && isWhiteSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
        return i;
    }

    /** Unicode's White_Space property (what Rust's and Oniguruma's {@code \s} match). */
    static boolean isWhiteSpace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }
}
