package dev.jrwkv.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * A byte-level BPE tokenizer read from a Hugging Face {@code tokenizer.json}, such as GPT-NeoX-20B's
 * {@code 20B_tokenizer.json} (used by the RWKV-4 Pile models). Gives the ids that the
 * {@code tokenizers} library's {@code Tokenizer.encode(text).ids} gives:
 * <ol>
 * <li>added tokens that are not normalized (e.g. {@code <|endoftext|>}) are matched in the raw text;</li>
 * <li>the rest is normalized (NFC, NFD, NFKC, NFKD or a sequence of them), and the normalized added
 *     tokens (NeoX: runs of 2..24 spaces) are matched in it;</li>
 * <li>the remaining text is split by the ByteLevel pre-tokenizer (GPT-2's regex, optional prefix
 *     space), each word written in the byte-level alphabet and merged by the BPE model.</li>
 * </ol>
 * Other model, normalizer, pre-tokenizer, post-processor and decoder types are rejected with a
 * {@link TokenizerException} naming them.
 *
 * <pre>{@code
 * BpeTokenizer t = BpeTokenizer.load(Path.of("20B_tokenizer.json"));
 * int[] ids = t.encode("Hello world");         // [12092, 1533]
 * String text = t.decode(ids);                  // "Hello world"
 * }</pre>
 */
public final class BpeTokenizer implements Tokenizer {
    /** Highest token id accepted from a file; real vocabularies stay far below, and it bounds the id tables. */
    private static final int MAX_ID = (1 << 22) - 1;

    private final String name;
    private final List<Normalizer.Form> normalizer;
    private final boolean addPrefixSpace;
    private final boolean useRegex;
    private final AddedTokenMatcher rawAddedTokens;
    private final AddedTokenMatcher normalizedAddedTokens;
    private final BpeModel model;
    private final byte[][] tokenBytes;   // index = id; null for ids nothing maps to
    private final boolean[] special;     // index = id

    private BpeTokenizer(String name, List<Normalizer.Form> normalizer, boolean addPrefixSpace, boolean useRegex,
                         AddedTokenMatcher rawAddedTokens, AddedTokenMatcher normalizedAddedTokens, BpeModel model,
                         byte[][] tokenBytes, boolean[] special) {
        this.name = name;
        this.normalizer = normalizer;
        this.addPrefixSpace = addPrefixSpace;
        this.useRegex = useRegex;
        this.rawAddedTokens = rawAddedTokens;
        this.normalizedAddedTokens = normalizedAddedTokens;
        this.model = model;
        this.tokenBytes = tokenBytes;
        this.special = special;
    }

    /** Reads a {@code tokenizer.json}; throws {@link TokenizerException} naming the file and the field that is wrong or unsupported. */
    public static BpeTokenizer load(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JacksonException e) {
            throw new TokenizerException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new TokenizerException(file, "cannot read the tokenizer: " + e, e);
        }
        return new Loader(file).load(root);
    }

    @Override
    public int[] encode(String text) {
        Utf8.encodeStrict(text); // rejects unpaired surrogates with a clear message
        IntList ids = new IntList(text.length() / 3 + 16);
        rawAddedTokens.split(text, raw -> {
            if (raw.id() >= 0) {
                ids.add(raw.id());
                return;
            }
            normalizedAddedTokens.split(normalize(raw.text()), piece -> {
                if (piece.id() >= 0) ids.add(piece.id());
                else preTokenizeAndMerge(piece.text(), ids);
            });
        });
        return ids.toArray();
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        return decodeBytes(ids, false);
    }

    /**
     * The text of {@code ids}; with {@code skipSpecialTokens} the special added tokens (NeoX:
     * {@code <|endoftext|>}, {@code <|padding|>}) are left out, as the library's default
     * {@code decode(ids)} does.
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        return Utf8.decodeLossy(decodeBytes(ids, skipSpecialTokens));
    }

    @Override
    public byte[] tokenBytes(int id) {
        return bytesOf(id, -1).clone();
    }

    /** Whether {@code id} is a special added token (skipped by {@link #decode(int[], boolean)}). */
    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    @Override
    public int vocabSize() {
        return tokenBytes.length;
    }

    @Override
    public String name() {
        return name;
    }

    private byte[] decodeBytes(int[] ids, boolean skipSpecialTokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int i = 0; i < ids.length; i++) {
            byte[] b = bytesOf(ids[i], i);
            if (!(skipSpecialTokens && special[ids[i]])) out.writeBytes(b);
        }
        return out.toByteArray();
    }

    private byte[] bytesOf(int id, int position) {
        if (id < 0 || id >= tokenBytes.length || tokenBytes[id] == null) {
            String where = position >= 0 ? " at position " + position : "";
            String problem = id < 0 || id >= tokenBytes.length
                    ? "is out of range 0.." + (tokenBytes.length - 1)
                    : "is not in the vocabulary";
            throw new TokenizerException(name + ": token id " + id + where + " " + problem);
        }
        return tokenBytes[id];
    }

    private String normalize(String s) {
        for (Normalizer.Form form : normalizer) s = Normalizer.normalize(s, form);
        return s;
    }

    private void preTokenizeAndMerge(String piece, IntList ids) {
        if (piece.isEmpty()) return;
        if (addPrefixSpace && !piece.startsWith(" ")) piece = " " + piece;
        if (!useRegex) {
            mergeWord(piece, ids);
            return;
        }
        Matcher m = ByteLevel.SPLIT.matcher(piece);
        int done = 0;
        while (m.find()) {
            if (m.start() > done) mergeWord(piece.substring(done, m.start()), ids); // never happens: the regex covers every character
            mergeWord(piece.substring(m.start(), m.end()), ids);
            done = m.end();
        }
        if (done < piece.length()) mergeWord(piece.substring(done), ids);
    }

    private void mergeWord(String word, IntList ids) {
        if (word.isEmpty()) return;
        ids.addAll(model.tokenize(ByteLevel.toAlphabet(word.getBytes(StandardCharsets.UTF_8))));
    }

    /** A growable int array for the ids being produced. */
    private static final class IntList {
        private int[] a;
        private int n;

        IntList(int capacity) {
            a = new int[Math.max(16, capacity)];
        }

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        void addAll(int[] v) {
            if (n + v.length > a.length) a = Arrays.copyOf(a, Math.max(n * 2, n + v.length));
            System.arraycopy(v, 0, a, n, v.length);
            n += v.length;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    /** Reads and checks the parts of tokenizer.json, naming the field when one is wrong. */
    private record Loader(Path file) {
        BpeTokenizer load(JsonNode root) {
            if (!root.isObject()) throw error("", "the top level is not a JSON object");
            for (String field : List.of("truncation", "padding")) {
                if (root.hasNonNull(field)) throw error(field, "is set; truncation and padding are not supported");
            }
            List<Normalizer.Form> normalizer = new ArrayList<>();
            readNormalizer(root.get("normalizer"), "normalizer", normalizer);

            JsonNode pre = root.get("pre_tokenizer");
            if (pre == null || pre.isNull()) throw error("pre_tokenizer", "is missing; only the ByteLevel pre-tokenizer is supported");
            requireType(pre, "pre_tokenizer", "ByteLevel");
            boolean addPrefixSpace = bool(pre, "pre_tokenizer", "add_prefix_space", true);
            boolean useRegex = bool(pre, "pre_tokenizer", "use_regex", true);

            JsonNode post = root.get("post_processor");
            if (post != null && !post.isNull()) requireType(post, "post_processor", "ByteLevel"); // ByteLevel only trims offsets
            JsonNode decoder = root.get("decoder");
            if (decoder == null || decoder.isNull()) throw error("decoder", "is missing; only the ByteLevel decoder is supported");
            requireType(decoder, "decoder", "ByteLevel");

            JsonNode m = root.get("model");
            if (m == null || !m.isObject()) throw error("model", "is missing");
            if (m.has("type")) requireType(m, "model", "BPE");
            if (m.hasNonNull("dropout") && m.get("dropout").asDouble() != 0) throw error("model.dropout", "is set; BPE dropout is not supported");
            for (String f : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
                if (m.hasNonNull(f) && !m.get(f).asText().isEmpty()) throw error("model." + f, "is set; it is not supported");
            }
            if (bool(m, "model", "byte_fallback", false)) throw error("model.byte_fallback", "is true; byte fallback is not supported");

            Map<String, Integer> vocab = readVocab(m.get("vocab"));
            int maxId = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
            checkIdDensity(maxId, vocab.size() + root.path("added_tokens").size());
            String[] idToToken = new String[maxId + 1];
            vocab.forEach((token, id) -> idToToken[id] = token);

            JsonNode mergesNode = m.get("merges");
            if (mergesNode == null || !mergesNode.isArray()) throw error("model.merges", "is missing or not an array");
            LongIntMap mergeRank = new LongIntMap(mergesNode.size());
            int[] mergedId = new int[mergesNode.size()];
            for (int rank = 0; rank < mergesNode.size(); rank++) {
                String[] pair = mergePair(mergesNode.get(rank), rank);
                String field = "model.merges[" + rank + "]";
                int left = idOf(vocab, pair[0], field);
                int right = idOf(vocab, pair[1], field);
                mergedId[rank] = idOf(vocab, pair[0] + pair[1], field);
                mergeRank.put((long) left << 32 | right, rank); // a repeated pair keeps its last rank, as HF's map does
            }

            int unkId = -1;
            if (m.hasNonNull("unk_token")) unkId = idOf(vocab, m.get("unk_token").asText(), "model.unk_token");
            BpeModel model = new BpeModel(vocab, mergeRank, mergedId, unkId, bool(m, "model", "fuse_unk", false),
                    bool(m, "model", "ignore_merges", false));

            List<AddedToken> added = readAddedTokens(root.get("added_tokens"));
            for (AddedToken t : added) maxId = Math.max(maxId, t.id());
            checkIdDensity(maxId, vocab.size() + added.size());
            byte[][] tokenBytes = new byte[maxId + 1][];
            boolean[] special = new boolean[maxId + 1];
            for (int id = 0; id < idToToken.length; id++) {
                if (idToToken[id] != null) tokenBytes[id] = ByteLevel.fromAlphabet(idToToken[id]);
            }
            List<AddedToken> raw = new ArrayList<>();
            List<AddedToken> normalized = new ArrayList<>();
            List<String> normalizedPatterns = new ArrayList<>();
            for (AddedToken t : added) {
                // Recent versions of the library decode an added token as its content, verbatim.
                tokenBytes[t.id()] = t.content().getBytes(StandardCharsets.UTF_8);
                special[t.id()] = t.special();
                if (t.normalized()) {
                    normalized.add(t);
                    String p = t.content();
                    for (Normalizer.Form form : normalizer) p = Normalizer.normalize(p, form);
                    normalizedPatterns.add(p);
                } else {
                    raw.add(t);
                }
            }
            return new BpeTokenizer("bpe(" + file.getFileName() + ")", List.copyOf(normalizer), addPrefixSpace, useRegex,
                    new AddedTokenMatcher(raw, raw.stream().map(AddedToken::content).toList()),
                    new AddedTokenMatcher(normalized, normalizedPatterns), model, tokenBytes, special);
        }

        /** Ids index tables: keep them proportional to the file (real vocabularies are dense). */
        private void checkIdDensity(int maxId, int tokens) {
            long allowed = Math.max(65535L, 2L * tokens);
            if (maxId > allowed) {
                throw error("model.vocab", "token id " + maxId + " is far beyond the " + tokens
                        + " tokens defined (ids above 65535 may not exceed twice the token count)");
            }
        }

        private void readNormalizer(JsonNode n, String field, List<Normalizer.Form> out) {
            if (n == null || n.isNull()) return;
            String type = n.path("type").asText("");
            switch (type) {
                case "NFC" -> out.add(Normalizer.Form.NFC);
                case "NFD" -> out.add(Normalizer.Form.NFD);
                case "NFKC" -> out.add(Normalizer.Form.NFKC);
                case "NFKD" -> out.add(Normalizer.Form.NFKD);
                case "Sequence" -> {
                    JsonNode list = n.get("normalizers");
                    if (list == null || !list.isArray()) throw error(field + ".normalizers", "is missing or not an array");
                    for (int i = 0; i < list.size(); i++) readNormalizer(list.get(i), field + ".normalizers[" + i + "]", out);
                }
                default -> throw error(field + ".type", "'" + type + "' is not supported (supported: NFC, NFD, NFKC, NFKD, Sequence)");
            }
        }

        private Map<String, Integer> readVocab(JsonNode v) {
            if (v == null || !v.isObject()) throw error("model.vocab", "is missing or not an object");
            Map<String, Integer> vocab = new HashMap<>(v.size() * 2);
            Map<Integer, String> seen = new HashMap<>(v.size() * 2);
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                String field = "model.vocab[" + quoted(e.getKey()) + "]";
                if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber()) throw error(field, "is not an integer id");
                int id = e.getValue().intValue();
                if (id < 0 || id > MAX_ID) throw error(field, "id " + id + " is out of range 0.." + MAX_ID);
                String before = seen.put(id, e.getKey());
                if (before != null) throw error(field, "id " + id + " is also the id of " + quoted(before));
                vocab.put(e.getKey(), id);
            }
            return vocab;
        }

        private String[] mergePair(JsonNode merge, int rank) {
            String field = "model.merges[" + rank + "]";
            if (merge.isTextual()) {
                String[] parts = merge.asText().split(" ", -1);
                if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                    throw error(field, quoted(merge.asText()) + " is not two tokens separated by one space");
                }
                return parts;
            }
            if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
                return new String[] {merge.get(0).asText(), merge.get(1).asText()};
            }
            throw error(field, "is neither \"a b\" nor [\"a\", \"b\"]");
        }

        private List<AddedToken> readAddedTokens(JsonNode list) {
            List<AddedToken> out = new ArrayList<>();
            if (list == null || list.isNull()) return out;
            if (!list.isArray()) throw error("added_tokens", "is not an array");
            for (int i = 0; i < list.size(); i++) {
                JsonNode t = list.get(i);
                String field = "added_tokens[" + i + "]";
                if (!t.path("id").isIntegralNumber() || t.get("id").intValue() < 0 || t.get("id").intValue() > MAX_ID) {
                    throw error(field + ".id", "is missing or not an id in 0.." + MAX_ID);
                }
                if (!t.path("content").isTextual()) throw error(field + ".content", "is missing or not a string");
                boolean special = bool(t, field, "special", false);
                out.add(new AddedToken(t.get("id").intValue(), t.get("content").asText(), special,
                        bool(t, field, "single_word", false), bool(t, field, "lstrip", false),
                        bool(t, field, "rstrip", false), bool(t, field, "normalized", !special)));
            }
            return out;
        }

        private void requireType(JsonNode n, String field, String supported) {
            String type = n.path("type").asText("");
            if (!type.equals(supported)) {
                throw error(field + ".type", "'" + type + "' is not supported (supported: " + supported + ")");
            }
        }

        private boolean bool(JsonNode n, String field, String name, boolean absent) {
            JsonNode v = n.get(name);
            if (v == null || v.isNull()) return absent;
            if (!v.isBoolean()) throw error(field + "." + name, "is not true or false");
            return v.booleanValue();
        }

        private int idOf(Map<String, Integer> vocab, String token, String field) {
            Integer id = vocab.get(token);
            if (id == null) throw error(field, "token " + quoted(token) + " is not in model.vocab");
            return id;
        }

        private TokenizerException error(String field, String problem) {
            return new TokenizerException(file, field.isEmpty() ? problem : field + ": " + problem);
        }

        private static String quoted(String s) {
            String shown = s.length() <= 40 ? s : s.substring(0, 37) + "...";
            return "\"" + shown + "\"";
        }
    }
}
