package dev.jrwkv.model;

/**
 * The rows of one forward pass: one or more sequences, each a run of consecutive rows with its own
 * state. A single prompt is one sequence of T rows; a server step is B sequences of one row each.
 * The token shift and the recurrences never cross from one sequence into another.
 */
record Batch(int[] tokens, int[] seq, State[] states) {

    static Batch single(int[] tokens, State state) {
        return new Batch(tokens, new int[tokens.length], new State[] {state});
    }

    static Batch of(int[][] tokens, State[] states) {
        if (tokens.length != states.length) throw new IllegalArgumentException(tokens.length + " sequences but " + states.length + " states");
        int n = 0;
        for (int[] t : tokens) {
            if (t.length == 0) throw new IllegalArgumentException("every sequence needs at least one token");
            n += t.length;
        }
        int[] all = new int[n], seq = new int[n];
        int r = 0;
        for (int s = 0; s < tokens.length; s++) {
            for (int t : tokens[s]) {
                all[r] = t;
                seq[r++] = s;
            }
        }
        return new Batch(all, seq, states);
    }

    int rows() {
        return tokens.length;
    }

    /** The state values of the sequence that row {@code r} belongs to. */
    float[] state(int r) {
        return states[seq[r]].data;
    }

    /** Any state: all have the same layout, so offsets are read from it. */
    State layout() {
        return states[0];
    }

    boolean startsSequence(int r) {
        return r == 0 || seq[r - 1] != seq[r];
    }

    boolean endsSequence(int r) {
        return r == tokens.length - 1 || seq[r + 1] != seq[r];
    }
}
