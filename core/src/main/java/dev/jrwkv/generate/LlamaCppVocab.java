package dev.jrwkv.generate;

import dev.jrwkv.format.GgufFile;
import dev.jrwkv.format.GgufValue;
import dev.jrwkv.tokenizer.TokenizerException;
import dev.jrwkv.tokenizer.WorldTokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * The RWKV World vocabulary as llama.cpp stores it in GGUF ({@code convert_hf_to_gguf.py},
 * {@code _set_vocab_rwkv_world}): {@code tokenizer.ggml.model = "rwkv"}, {@code tokenizer.ggml.tokens}
 * = {@code "<s>"} for id 0, then each token's bytes written as Python's {@code repr(bytes)[2:-1]}
 * ({@code \n}, {@code \xff}, {@code \\}, ...), then {@code [PADi]} up to the model's vocabulary;
 * {@code tokenizer.ggml.token_type} (control, normal, unused), bos = eos = 0, eot = 261 ({@code \n\n}).
 *
 * <pre>{@code
 * SequencedMap<String, GgufValue> meta = LlamaCppVocab.metadata(WorldTokenizer.load(vocab), 65536);
 * Optional<WorldTokenizer> t = LlamaCppVocab.read(GgufFile.open(path));
 * }</pre>
 */
public final class LlamaCppVocab {
    private static final int NORMAL = 1, CONTROL = 3, UNUSED = 5;

    private LlamaCppVocab() {
    }

    /** The tokenizer keys for a model with {@code vocabSize} logits. */
    public static SequencedMap<String, GgufValue> metadata(WorldTokenizer tokenizer, int vocabSize) {
        if (tokenizer.vocabSize() > vocabSize) {
            throw new TokenizerException(tokenizer.name() + " has " + tokenizer.vocabSize() + " tokens, more than the model's " + vocabSize);
        }
        List<String> tokens = new ArrayList<>(vocabSize);
        int[] types = new int[vocabSize];
        tokens.add("<s>");
        types[0] = CONTROL;
        for (int id = 1; id < vocabSize; id++) {
            byte[] b = id < tokenizer.vocabSize() ? bytesOrNull(tokenizer, id) : null;
            tokens.add(b == null ? "[PAD" + id + "]" : escape(b));
            types[id] = b == null ? UNUSED : NORMAL;
        }
        SequencedMap<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GgufValue.string("rwkv"));
        m.put("tokenizer.ggml.tokens", GgufValue.strings(tokens));
        m.put("tokenizer.ggml.token_type", GgufValue.i32s(types));
        m.put("tokenizer.ggml.bos_token_id", GgufValue.u32(0));
        m.put("tokenizer.ggml.eos_token_id", GgufValue.u32(0));
        m.put("tokenizer.ggml.eot_token_id", GgufValue.u32(261));
        m.put("tokenizer.chat_template", GgufValue.string("rwkv-world"));
        return m;
    }

    /** The World tokenizer a GGUF carries, when {@code tokenizer.ggml.model} is {@code rwkv}. */
    public static Optional<WorldTokenizer> read(GgufFile gguf) {
        if (!"rwkv".equals(gguf.metadata().get("tokenizer.ggml.model"))) return Optional.empty();
        List<String> tokens = gguf.stringArray("tokenizer.ggml.tokens");
        long[] types = gguf.values().containsKey("tokenizer.ggml.token_type") ? gguf.integerArray("tokenizer.ggml.token_type") : new long[0];
        byte[][] bytes = new byte[tokens.size()][];
        for (int id = 1; id < tokens.size(); id++) {
            boolean normal = types.length <= id || types[id] == NORMAL;   // control and unused tokens are not text
            if (normal) bytes[id] = unescape(tokens.get(id), gguf, id);
        }
        return Optional.of(WorldTokenizer.of("world(" + gguf.path().getFileName() + ")", bytes));
    }

    private static byte[] bytesOrNull(WorldTokenizer t, int id) {
        try {
            byte[] b = t.tokenBytes(id);
            return b.length == 0 ? null : b;
        } catch (TokenizerException e) {
            return null;
        }
    }

    /** Python's {@code repr(bytes)[2:-1]}: the quote is {@code "} when the bytes hold {@code '} but no {@code "}. */
    static String escape(byte[] b) {
        boolean single = false, dbl = false;
        for (byte x : b) {
            single |= x == '\'';
            dbl |= x == '"';
        }
        char quote = single && !dbl ? '"' : '\'';
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xFF;
            if (c == quote || c == '\\') sb.append('\\').append((char) c);
            else if (c == '\t') sb.append("\\t");
            else if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c < 0x20 || c >= 0x7f) sb.append(String.format("\\x%02x", c));
            else sb.append((char) c);
        }
        return sb.toString();
    }

    /** As llama.cpp's {@code llama_unescape_rwkv_token}: {@code \t \n \r \xHH}, and backslash + any other character is that character. */
    static byte[] unescape(String s, GgufFile gguf, int id) {
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] != '\\') {
                out.write(in[i]);
                continue;
            }
            if (++i >= in.length) throw new TokenizerException(gguf.path() + ": token " + id + " ends with a lone backslash");
            switch (in[i]) {
                case 't' -> out.write('\t');
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 'x' -> {
                    if (i + 2 >= in.length) throw new TokenizerException(gguf.path() + ": token " + id + " has a truncated \\x escape");
                    int hi = Character.digit(in[i + 1], 16), lo = Character.digit(in[i + 2], 16);
                    if (hi < 0 || lo < 0) throw new TokenizerException(gguf.path() + ": token " + id + " has a bad \\x escape");
                    out.write(hi * 16 + lo);
                    i += 2;
                }
                default -> out.write(in[i]);
            }
        }
        return out.toByteArray();
    }
}
