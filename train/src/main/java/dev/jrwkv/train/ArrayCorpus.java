package dev.jrwkv.train;

/** A corpus held in an {@code int[]}: the in-memory {@link TokenCorpus}. */
final class ArrayCorpus implements TokenCorpus {
    private final int[] tokens;
    private final int vocabBound;

    ArrayCorpus(int[] tokens) {
        int max = -1;
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0) throw new IllegalArgumentException("token " + tokens[i] + " at " + i + " is negative");
            max = Math.max(max, tokens[i]);
        }
        this.tokens = tokens;
        this.vocabBound = max + 1;
    }

    @Override
    public long size() {
        return tokens.length;
    }

    @Override
    public int vocabBound() {
        return vocabBound;
    }

    @Override
    public void read(long from, int[] dst, int at, int n) {
        System.arraycopy(tokens, Math.toIntExact(from), dst, at, n);
    }

    @Override
    public void close() {
    }
}
