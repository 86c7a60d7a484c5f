package dev.jrwkv.tokenizer;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A BPE model: a vocabulary and ranked merges, applied to one pre-tokenized word at a time exactly
 * as Hugging Face's {@code BPE::merge_word}: the pair with the lowest merge rank is merged first,
 * the leftmost one among equal ranks. Results are cached per word.
 */
final class BpeModel {
    /** Hugging Face's default cache size; beyond it words are still encoded, just not cached. */
    private static final int CACHE_CAPACITY = 10_000;

    private final Map<String, Integer> vocab;
    private final LongIntMap mergeRank;  // (left id, right id) -> rank
    private final int[] mergedId;        // rank -> id of the merged token
    private final int unkId;             // -1: characters missing from the vocabulary are dropped, as HF does
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    private final int[] charId = new int[512]; // vocabulary id of each one-character token below U+0200, -1 if none
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    BpeModel(Map<String, Integer> vocab, LongIntMap mergeRank, int[] mergedId, int unkId, boolean fuseUnk,
             boolean ignoreMerges) {
        this.vocab = vocab;
        this.mergeRank = mergeRank;
        this.mergedId = mergedId;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        for (int c = 0; c < charId.length; c++) {
            Integer id = vocab.get(String.valueOf((char) c));
            charId[c] = id == null ? -1 : id;
        }
    }

    /** The ids of one word (already in the byte-level alphabet). */
    int[] tokenize(String word) {
        int[] cached = cache.get(word);
        if (cached != null) return cached;
        int[] ids = merge(word);
        if (cache.size() < CACHE_CAPACITY) cache.put(word, ids);
        return ids;
    }

    private int[] merge(String word) {
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) return new int[] {whole};
        }
        // Initial symbols: one per character (unknown characters become unk or vanish).
        int[] sym = new int[word.length()];
        int n = 0;
        boolean pendingUnk = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int id = cp < charId.length ? charId[cp] : lookup(new String(Character.toChars(cp)));
            i += Character.charCount(cp);
            if (id >= 0) {
                pendingUnk = false;
                sym[n++] = id;
            } else if (unkId >= 0) {
                if (!(pendingUnk && fuseUnk)) sym[n++] = unkId;
                pendingUnk = true;
            }
        }
        if (n < 2) return Arrays.copyOf(sym, n);

        int[] next = new int[n];
        int[] prev = new int[n];
        boolean[] gone = new boolean[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1; // n = no next symbol
            prev[i] = i - 1;
        }
        // Min-heap of (rank << 32 | position): lowest rank first, leftmost first among equals.
        long[] heap = new long[n];
        int size = 0;
        for (int i = 0; i + 1 < n; i++) {
            int rank = rankOf(sym[i], sym[i + 1]);
            if (rank >= 0) heap[size++] = (long) rank << 32 | i;
        }
        for (int i = size / 2 - 1; i >= 0; i--) siftDown(heap, size, i);

        while (size > 0) {
            long top = heap[0];
            heap[0] = heap[--size];
            siftDown(heap, size, 0);
            int pos = (int) top;
            int rank = (int) (top >>> 32);
            if (gone[pos] || next[pos] == n) continue;
            int right = next[pos];
            if (rankOf(sym[pos], sym[right]) != rank) continue; // stale: a neighbour changed since it was queued
            sym[pos] = mergedId[rank];
            gone[right] = true;
            next[pos] = next[right];
            if (next[pos] < n) prev[next[pos]] = pos;
            if (size + 2 > heap.length) heap = Arrays.copyOf(heap, heap.length * 2 + 2);
            if (prev[pos] >= 0) {
                int r = rankOf(sym[prev[pos]], sym[pos]);
                if (r >= 0) size = push(heap, size, (long) r << 32 | prev[pos]);
            }
            if (next[pos] < n) {
                int r = rankOf(sym[pos], sym[next[pos]]);
                if (r >= 0) size = push(heap, size, (long) r << 32 | pos);
            }
        }
        int[] out = new int[n];
        int m = 0;
        for (int i = 0; i < n; i = next[i]) out[m++] = sym[i];
        return Arrays.copyOf(out, m);
    }

    private int lookup(String s) {
        Integer id = vocab.get(s);
        return id == null ? -1 : id;
    }

    private int rankOf(int left, int right) {
        return mergeRank.get((long) left << 32 | right);
    }

    private static int push(long[] heap, int size, long value) {
        int i = size;
        heap[i] = value;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= heap[i]) break;
            long t = heap[parent];
            heap[parent] = heap[i];
            heap[i] = t;
            i = parent;
        }
        return size + 1;
    }

    private static void siftDown(long[] heap, int size, int i) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) return;
            int smallest = l + 1 < size && heap[l + 1] < heap[l] ? l + 1 : l;
            if (heap[i] <= heap[smallest]) return;
            long t = heap[i];
            heap[i] = heap[smallest];
            heap[smallest] = t;
            i = smallest;
        }
    }
}
