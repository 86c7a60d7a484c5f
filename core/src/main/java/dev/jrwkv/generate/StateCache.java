package dev.jrwkv.generate;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import dev.jrwkv.model.StateFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Remembers the state after a token sequence, so that a later prompt that extends it (the history of
 * a conversation, a shared system prompt) restarts from a copy of that state instead of reading the
 * prefix again. An RWKV state has a fixed size whatever the context length, so this is exact and
 * cheap. Keys are exact token sequences, in a namespace ({@code base}) naming the state they started
 * from ({@code ""} for the zero state). Memory is bounded in bytes (least recently used first out);
 * with a spill folder, entries pushed out of memory are written there as {@link StateFile}s (without
 * their logits, so they serve only prompts that extend them by at least one token), bounded too.
 * Thread-safe.
 *
 * <pre>{@code
 * StateCache cache = new StateCache(model, 256L << 20, null, 0);
 * float[] logits = model.forward(prompt, state);
 * cache.put("", prompt, state, logits);
 * StateCache.Hit hit = cache.lookup("", longerPrompt);   // hit.length() == prompt.length
 * State s = hit.state();                                 // a private copy: feed the rest of longerPrompt
 * }</pre>
 */
public final class StateCache {
    /**
     * A cached prefix.
     *
     * @param length how many tokens of the prompt it covers
     * @param state  a private copy of the state after them
     * @param logits the logits after them (a copy), or null when unknown; never null when length is the whole prompt
     */
    public record Hit(int length, State state, float[] logits) {
    }

    private record Entry(String base, int[] tokens, State state, float[] logits, long bytes) {
    }

    private record Spilled(String base, int[] tokens, Path file, long bytes) {
    }

    private final Model model;
    private final long maxBytes;
    private final Path spillDir;
    private final long maxSpillBytes;
    private final LinkedHashMap<Long, Entry> memory = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<Long, Spilled> disk = new LinkedHashMap<>(16, 0.75f, true);
    /** How many keys (memory or disk) have each length: a lookup probes only these lengths. */
    private final TreeMap<Integer, Integer> lengths = new TreeMap<>();
    private long bytes;
    private long spillBytes;
    private long hits;
    private long misses;
    private long tokensSaved;

    /**
     * @param maxBytes      memory bound (states, logits and keys); 0 disables the cache
     * @param spillDir      folder for entries pushed out of memory, or null to drop them
     * @param maxSpillBytes bound of the spill folder's files
     */
    public StateCache(Model model, long maxBytes, Path spillDir, long maxSpillBytes) {
        if (maxBytes < 0 || maxSpillBytes < 0) throw new IllegalArgumentException("cache bounds must be >= 0");
        this.model = model;
        this.maxBytes = maxBytes;
        this.spillDir = spillDir;
        this.maxSpillBytes = maxSpillBytes;
        if (spillDir != null) {
            try {
                Files.createDirectories(spillDir);
            } catch (IOException e) {
                throw new JrwkvException("cannot create state cache folder " + spillDir + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The longest cached prefix of {@code tokens} in namespace {@code base}: a prefix shorter than
     * the prompt, or the whole prompt when its logits are known. Counts a hit or a miss.
     */
    public synchronized Hit lookup(String base, int[] tokens) {
        long[] prefixHash = prefixHashes(base, tokens);
        // a copy: bringing a spilled entry back may evict others and change the lengths
        for (int length : lengths.descendingKeySet().toArray(new Integer[0])) {
            if (length > tokens.length || length == 0) continue;
            long key = prefixHash[length];
            Entry e = memory.get(key);
            if (e != null && e.base.equals(base) && Arrays.equals(e.tokens, 0, length, tokens, 0, length)
                    && (length < tokens.length || e.logits != null)) {
                return hit(length, e.state.copy(), e.logits == null ? null : e.logits.clone());
            }
            Spilled s = disk.get(key);
            if (s != null && length < tokens.length && s.base.equals(base) && Arrays.equals(s.tokens, 0, length, tokens, 0, length)) {
                State state = loadSpilled(key, s);
                if (state != null) return hit(length, state.copy(), null);
            }
        }
        misses++;
        return null;
    }

    /** Remembers a copy of {@code state} (and of {@code logits}, may be null) after {@code tokens}, replacing an older entry. */
    public synchronized void put(String base, int[] tokens, State state, float[] logits) {
        if (tokens.length == 0) return;
        long size = 4L * (state.config().stateSize() + (logits == null ? 0 : logits.length) + tokens.length) + 256;
        if (size > maxBytes) return;
        long key = prefixHashes(base, tokens)[tokens.length];
        removeKey(key);
        memory.put(key, new Entry(base, tokens.clone(), state.copy(), logits == null ? null : logits.clone(), size));
        lengths.merge(tokens.length, 1, Integer::sum);
        bytes += size;
        evict();
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    /** Prompt tokens not read again thanks to hits. */
    public synchronized long tokensSaved() {
        return tokensSaved;
    }

    /** Bytes held in memory. */
    public synchronized long bytes() {
        return bytes;
    }

    /** Bytes held in the spill folder. */
    public synchronized long spilledBytes() {
        return spillBytes;
    }

    public synchronized int entries() {
        return memory.size() + disk.size();
    }

    private Hit hit(int length, State state, float[] logits) {
        hits++;
        tokensSaved += length;
        return new Hit(length, state, logits);
    }

    private void evict() {
        Iterator<Map.Entry<Long, Entry>> it = memory.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<Long, Entry> oldest = it.next();
            it.remove();
            Entry e = oldest.getValue();
            bytes -= e.bytes;
            if (!spill(oldest.getKey(), e)) forgetLength(e.tokens.length);
        }
        Iterator<Map.Entry<Long, Spilled>> dt = disk.entrySet().iterator();
        while (spillBytes > maxSpillBytes && dt.hasNext()) {
            Spilled s = dt.next().getValue();
            dt.remove();
            spillBytes -= s.bytes;
            deleteQuietly(s.file);
            forgetLength(s.tokens.length);
        }
    }

    private boolean spill(long key, Entry e) {
        if (spillDir == null || maxSpillBytes == 0) return false;
        Path file = spillDir.resolve(String.format("%016x.state", key));
        try {
            StateFile.save(e.state, file, model);
            long size = Files.size(file) + 4L * e.tokens.length;
            disk.put(key, new Spilled(e.base, e.tokens, file, size));
            spillBytes += size;
            return true;
        } catch (JrwkvException | IOException ex) {
            System.getLogger(StateCache.class.getName()).log(System.Logger.Level.WARNING, "cannot spill a cached state to " + file + ": " + ex.getMessage());
            return false;
        }
    }

    /** Brings a spilled state back into memory (it is the most recently used now); null if the file is unreadable. */
    private State loadSpilled(long key, Spilled s) {
        disk.remove(key);
        spillBytes -= s.bytes;
        State state;
        try {
            state = StateFile.load(s.file, model);
        } catch (JrwkvException | UncheckedIOException ex) {
            forgetLength(s.tokens.length);
            return null;
        } finally {
            deleteQuietly(s.file);
        }
        long size = 4L * (state.config().stateSize() + s.tokens.length) + 256;
        memory.put(key, new Entry(s.base, s.tokens, state, null, size));
        bytes += size;
        evict();
        return state;
    }

    private void removeKey(long key) {
        Entry e = memory.remove(key);
        if (e != null) {
            bytes -= e.bytes;
            forgetLength(e.tokens.length);
        }
        Spilled s = disk.remove(key);
        if (s != null) {
            spillBytes -= s.bytes;
            deleteQuietly(s.file);
            forgetLength(s.tokens.length);
        }
    }

    private void forgetLength(int length) {
        lengths.computeIfPresent(length, (k, n) -> n == 1 ? null : n - 1);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a stale file is harmless: it is never read without its index entry
        }
    }

    /** 64-bit polynomial hashes of every prefix (index = prefix length), seeded by the namespace. */
    private static long[] prefixHashes(String base, int[] tokens) {
        long[] h = new long[tokens.length + 1];
        h[0] = base.hashCode() * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < tokens.length; i++) h[i + 1] = (h[i] ^ (tokens[i] + 1L)) * 0x100000001B3L + 0x632BE59BD9B4E019L;
        return h;
    }
}
