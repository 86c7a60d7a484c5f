package dev.jrwkv.generate;

import dev.jrwkv.format.GgufFile;
import dev.jrwkv.format.GgufValue;
import dev.jrwkv.model.ModelConfig;
import dev.jrwkv.tokenizer.BpeTokenizer;
import dev.jrwkv.tokenizer.ByteTokenizer;
import dev.jrwkv.tokenizer.Tokenizer;
import dev.jrwkv.tokenizer.TokenizerException;
import dev.jrwkv.tokenizer.WorldTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the tokenizer of a model: the one a GGUF file carries; byte-level for a 256-token vocabulary; the RWKV World vocabulary
 * for 65536 tokens, looked up beside the model file and in the {@link UserCache}. The vocabulary
 * files are not shipped with jrwkv: {@code jrwkv pull} fetches them.
 *
 * <pre>{@code
 * Tokenizer t = Tokenizers.named("world");                 // from the cache
 * Tokenizer u = Tokenizers.forModel(config, modelPath);    // chosen by vocabulary size
 * }</pre>
 */
public final class Tokenizers {
    public static final String WORLD_VOCAB = "rwkv_vocab_v20230424.txt";
    public static final String NEOX_JSON = "20B_tokenizer.json";

    private Tokenizers() {
    }

    /** The tokenizer for {@code config}'s vocabulary, searched beside {@code modelFile} and in the cache. */
    public static Tokenizer forModel(ModelConfig config, Path modelFile) {
        int v = config.vocab();
        // a GGUF that carries its World vocabulary (tokenizer.ggml.model = "rwkv") needs no other file
        if (modelFile != null && isGguf(modelFile)) {
            try (GgufFile gguf = GgufFile.open(modelFile)) {
                var embedded = LlamaCppVocab.read(gguf);
                if (embedded.isPresent()) return embedded.get();
            }
        }
        if (v == ByteTokenizer.VOCAB_SIZE) return new ByteTokenizer();
        if (v == 65536) return WorldTokenizer.load(find(WORLD_VOCAB, modelFile, "world"));
        if (v == 50277 || v == 50304) return fromFile(find(NEOX_JSON, modelFile, "neox"));
        throw new TokenizerException("no known tokenizer has " + v + " tokens; pass one with --tokenizer FILE");
    }

    /** {@code byte}, {@code world}, {@code neox}, or a path to a World vocabulary or a tokenizer.json. */
    public static Tokenizer named(String nameOrPath) {
        return switch (nameOrPath) {
            case "byte" -> new ByteTokenizer();
            case "world" -> WorldTokenizer.load(find(WORLD_VOCAB, null, "world"));
            case "neox" -> fromFile(find(NEOX_JSON, null, "neox"));
            default -> {
                Path p = Path.of(nameOrPath);
                if (!Files.isRegularFile(p)) {
                    throw new TokenizerException("tokenizer '" + nameOrPath + "' is neither byte, world, neox nor an existing file");
                }
                yield fromFile(p);
            }
        };
    }

    /** A tokenizer file: {@code *.json} is a Hugging Face tokenizer.json, anything else a World vocabulary. */
    public static Tokenizer fromFile(Path file) {
        if (file.getFileName().toString().endsWith(".json")) {
            return BpeTokenizer.load(file);
        }
        return WorldTokenizer.load(file);
    }

    private static boolean isGguf(Path p) {
        if (!Files.isRegularFile(p)) return false;
        try (var in = Files.newInputStream(p)) {
            byte[] m = in.readNBytes(4);
            return m.length == 4 && m[0] == 'G' && m[1] == 'G' && m[2] == 'U' && m[3] == 'F';
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * The GGUF tokenizer keys for a model with {@code vocabSize} logits (llama.cpp's layout), when
     * {@code tokenizer} is a World tokenizer; empty otherwise (byte-level models need none).
     */
    public static java.util.SequencedMap<String, GgufValue> ggufMetadata(Tokenizer tokenizer, int vocabSize) {
        if (tokenizer instanceof WorldTokenizer w) return LlamaCppVocab.metadata(w, vocabSize);
        return new java.util.LinkedHashMap<>();
    }

    private static Path find(String fileName, Path modelFile, String pullName) {
        List<Path> tried = new ArrayList<>();
        if (modelFile != null && modelFile.toAbsolutePath().getParent() != null) tried.add(modelFile.toAbsolutePath().getParent().resolve(fileName));
        tried.add(UserCache.dir().resolve(fileName));
        for (Path p : tried) if (Files.isRegularFile(p)) return p;
        throw new TokenizerException("tokenizer file " + fileName + " not found (looked in " + tried
                + "); run `jrwkv pull " + pullName + "-vocab` or pass --tokenizer FILE");
    }
}
