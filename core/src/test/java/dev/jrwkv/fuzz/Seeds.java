package dev.jrwkv.fuzz;

import dev.jrwkv.Fixtures;
import dev.jrwkv.format.SafetensorsWriter;
import dev.jrwkv.model.State;
import dev.jrwkv.model.StateFile;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Seed inputs for the fuzz targets: small files generated here with jrwkv's writers (always), and
 * the shared fixture files read at run time when they are present (never copied into the repository).
 */
final class Seeds {
    private Seeds() {
    }

    static List<byte[]> pyTorch() {
        List<byte[]> s = new ArrayList<>();
        s.add(TinyModel.pth(TinyModel.officialTensors()));
        s.add(TinyModel.pth(List.of(timeState())));
        fixture(s, "official/7v0-834K.pth");
        return s;
    }

    static List<byte[]> safetensors() {
        List<byte[]> s = new ArrayList<>();
        s.add(generated("safetensors"));
        s.add(generated("safetensors-bf16"));
        fixture(s, "official/7v0-834K.safetensors");
        return s;
    }

    static List<byte[]> gguf() {
        List<byte[]> s = new ArrayList<>();
        s.add(generated("gguf"));
        s.add(generated("gguf-q8_0"));
        return s;
    }

    static List<byte[]> rwkvCpp() {
        List<byte[]> s = new ArrayList<>();
        s.add(generated("rwkvcpp"));
        s.add(generated("rwkvcpp-f16"));
        s.add(generated("rwkvcpp-q5_1"));
        for (String v : List.of("4v0-660K", "5v1-730K", "5v2-730K", "6v0-1m", "7v0-834K")) {
            for (String t : List.of("FP32", "FP16", "Q5_0", "Q5_1")) fixture(s, "tiny-rwkv/tiny-rwkv-" + v + "-" + t + ".bin");
        }
        fixture(s, "tiny-rwkv/tiny-rwkv-6v0-3m-Q5_1.bin");
        return s;
    }

    static List<byte[]> anyModelFile() {
        List<byte[]> s = new ArrayList<>();
        s.addAll(pyTorch());
        s.addAll(safetensors());
        s.addAll(gguf());
        s.addAll(rwkvCpp());
        return s;
    }

    static List<byte[]> worldVocabulary() {
        List<byte[]> s = new ArrayList<>();
        s.add(smallWorldVocabulary().getBytes(StandardCharsets.UTF_8));
        fixture(s, "tokenizers/rwkv_vocab_v20230424.txt");
        return s;
    }

    static List<byte[]> tokenizerJson() {
        List<byte[]> s = new ArrayList<>();
        s.add(smallTokenizerJson().getBytes(StandardCharsets.UTF_8));
        fixture(s, "tokenizers/20B_tokenizer.json");
        return s;
    }

    static List<byte[]> stateFile() {
        try {
            Path dir = Files.createTempDirectory("jrwkv-seed");
            Path p = dir.resolve("s.state");
            State st = Targets.TinyModelHolder.model().newState();
            float[] v = st.toArray();
            for (int i = 0; i < v.length; i++) v[i] = (i % 7) * 0.25f;
            st.set(v);
            StateFile.save(st, p, Targets.TinyModelHolder.model());
            byte[] b = Files.readAllBytes(p);
            Files.delete(p);
            Files.delete(dir);
            return List.of(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<byte[]> stateTuning() {
        try {
            Path dir = Files.createTempDirectory("jrwkv-seed");
            Path p = dir.resolve("tune.safetensors");
            SafetensorsWriter.write(p, List.of(timeState()), DType.F32, Map.of());
            byte[] b = Files.readAllBytes(p);
            Files.delete(p);
            Files.delete(dir);
            return List.of(b, TinyModel.pth(List.of(timeState())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Tensor timeState() {
        float[] v = new float[TinyModel.C * TinyModel.C];
        for (int i = 0; i < v.length; i++) v[i] = i * 1e-3f;
        return Tensor.ofFloats("blocks.0.att.time_state", v, 1, TinyModel.C, TinyModel.C);
    }

    /** 256 single-byte tokens and a few longer ones, in the file's own literal styles. */
    static String smallWorldVocabulary() {
        StringBuilder sb = new StringBuilder();
        for (int b = 0; b < 256; b++) {
            String lit = b >= 0x20 && b < 0x7f && b != '\'' && b != '\\' ? "'" + (char) b + "'" : String.format("b'\\x%02x'", b);
            sb.append(b + 1).append(' ').append(lit).append(" 1\n");
        }
        String[] longer = {"'he' 2", "'hello' 5", "' world' 6", "'\\n\\n' 2", "'\u4e2d\u6587' 6", "b'\\xe4\\xb8' 2", "\"it's\" 4"};
        for (int i = 0; i < longer.length; i++) sb.append(300 + i).append(' ').append(longer[i]).append('\n');
        return sb.toString();
    }

    /** A byte-level BPE tokenizer.json: the 256-symbol alphabet, a few merges, NFC, two added tokens. */
    static String smallTokenizerJson() {
        StringBuilder vocab = new StringBuilder();
        int id = 0;
        for (char c : byteLevelAlphabet()) vocab.append(id == 0 ? "" : ",").append(jsonString(String.valueOf(c))).append(':').append(id++);
        String[][] merges = {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}, {"\u0120", "w"}};
        StringBuilder m = new StringBuilder();
        for (String[] pair : merges) {
            vocab.append(',').append(jsonString(pair[0] + pair[1])).append(':').append(id++);
            m.append(m.isEmpty() ? "" : ",").append(jsonString(pair[0] + " " + pair[1]));
        }
        return "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,"
                + "\"added_tokens\":[{\"id\":" + id + ",\"content\":\"<|endoftext|>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true},"
                + "{\"id\":" + (id + 1) + ",\"content\":\"  \",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":true,\"special\":false}],"
                + "\"normalizer\":{\"type\":\"NFC\"},"
                + "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true},"
                + "\"post_processor\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true},"
                + "\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true},"
                + "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":null,\"end_of_word_suffix\":null,"
                + "\"fuse_unk\":false,\"vocab\":{" + vocab + "},\"merges\":[" + m + "]}}";
    }

    /** GPT-2's printable stand-ins for the 256 byte values, in byte order. */
    static char[] byteLevelAlphabet() {
        char[] out = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out[b] = printable ? (char) b : (char) (256 + extra++);
        }
        return out;
    }

    private static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 0x20 || c > 0x7e) sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.append('"').toString();
    }

    private static byte[] generated(String format) {
        try {
            Path dir = Files.createTempDirectory("jrwkv-seed");
            byte[] b = TinyModel.bytes(dir, format);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            Files.delete(dir);
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds a fixture file when the shared fixtures are present (seeds are optional: no skip, no failure). */
    private static void fixture(List<byte[]> seeds, String relative) {
        Path f = Fixtures.root().resolve(relative);
        if (!Files.isRegularFile(f)) return;
        try {
            seeds.add(Files.readAllBytes(f));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
