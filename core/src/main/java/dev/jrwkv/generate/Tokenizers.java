package dev.jrwkv.generate;

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
 * Finds the tokenizer of a model: byte-level for a 256-token vocabulary; the RWKV World vocabulary
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

    private static Path find(String fileName, Path modelFile, String pullName) {
        List<Path> tried = new ArrayList<>();
        if (modelFile != null && modelFile.toAbsolutePath().getParent() != null) tried.add(modelFile.toAbsolutePath().getParent().resolve(fileName));
        tried.add(UserCache.dir().resolve(fileName));
        for (Path p : tried) if (Files.isRegularFile(p)) return p;
        throw new TokenizerException("tokenizer file " + fileName + " not found (looked in " + tried
                + "); run `jrwkv pull " + pullName + "-vocab` or pass --tokenizer FILE");
    }
}
