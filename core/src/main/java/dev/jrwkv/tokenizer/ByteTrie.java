package dev.jrwkv.tokenizer;

import java.util.Arrays;

/**
 * A trie over byte strings that finds the longest entry starting at a position, as the official
 * RWKV World tokenizer does. Edges live in one hash map keyed by (node, byte), so the trie costs a
 * few bytes per vocabulary byte instead of a 256-slot array per node.
 */
final class ByteTrie {
    private final LongIntMap edges;
    private int[] valueAt = new int[1024]; // token id stored at a node, 0 = none (id 0 is never a vocabulary entry)
    private int nodes = 1;                  // node 0 is the root (the empty string)

    ByteTrie(int expectedBytes) {
        edges = new LongIntMap(expectedBytes);
    }

    /** Stores {@code value} (> 0) for {@code key}; returns the value stored there before, or 0. */
    int put(byte[] key, int value) {
        int node = 0;
        for (byte b : key) {
            long edge = edge(node, b);
            int child = edges.get(edge);
            if (child < 0) {
                child = nodes++;
                if (child == valueAt.length) valueAt = Arrays.copyOf(valueAt, child * 2);
                edges.put(edge, child);
            }
            node = child;
        }
        int previous = valueAt[node];
        valueAt[node] = value;
        return previous;
    }

    /**
     * The value of the longest entry that is a prefix of {@code data[from..to)}, or 0 when none is.
     * The caller knows each value's key length.
     */
    int longestPrefix(byte[] data, int from, int to) {
        int node = 0;
        int best = 0;
        for (int i = from; i < to; i++) {
            node = edges.get(edge(node, data[i]));
            if (node < 0) break;
            if (valueAt[node] != 0) best = valueAt[node];
        }
        return best;
    }

    private static long edge(int node, byte b) {
        return ((long) node << 8) | (b & 0xFF);
    }
}
