package dev.jrwkv.cli;

import java.util.List;
import java.util.Optional;

/**
 * The models and vocabularies {@code jrwkv pull NAME} knows by name: the official RWKV-7 World and
 * G1 checkpoints of BlinkDL on Hugging Face, and the two vocabularies they need.
 *
 * <p>File names are those of the Hugging Face repositories {@code BlinkDL/rwkv-7-world} and
 * {@code BlinkDL/rwkv7-g1} as other projects cite them (checked against several public sources, not
 * against the live repositories: newer snapshots, e.g. G1a/G1b, are published there under other
 * names and can be pulled by URL). Model hashes are not listed: Hugging Face publishes the SHA-256
 * of every LFS file in its {@code X-Linked-Etag} header, which {@link Downloader} checks. The
 * vocabulary hashes are those of the official files (ChatRWKV's copies).
 */
final class Catalogue {
    static final String WORLD_VOCAB = "world-vocab";
    static final String NEOX_VOCAB = "neox-vocab";

    private static final List<CatalogueEntry> ENTRIES = List.of(
            model("rwkv7-world-0.1b", "BlinkDL/rwkv-7-world", "RWKV-x070-World-0.1B-v2.8-20241210-ctx4096.pth",
                    "RWKV-7 World 0.1B (v2.8), multilingual base model"),
            model("rwkv7-world-0.4b", "BlinkDL/rwkv-7-world", "RWKV-x070-World-0.4B-v2.9-20250107-ctx4096.pth",
                    "RWKV-7 World 0.4B (v2.9), multilingual base model"),
            model("rwkv7-world-1.5b", "BlinkDL/rwkv-7-world", "RWKV-x070-World-1.5B-v3-20250127-ctx4096.pth",
                    "RWKV-7 World 1.5B (v3), multilingual base model"),
            model("rwkv7-world-2.9b", "BlinkDL/rwkv-7-world", "RWKV-x070-World-2.9B-v3-20250211-ctx4096.pth",
                    "RWKV-7 World 2.9B (v3), multilingual base model"),
            model("rwkv7-g1-0.1b", "BlinkDL/rwkv7-g1", "rwkv7-g1-0.1b-20250307-ctx4096.pth",
                    "RWKV-7 G1 0.1B, chat and reasoning"),
            model("rwkv7-g1-0.4b", "BlinkDL/rwkv7-g1", "rwkv7-g1-0.4b-20250324-ctx4096.pth",
                    "RWKV-7 G1 0.4B, chat and reasoning"),
            model("rwkv7-g1-1.5b", "BlinkDL/rwkv7-g1", "rwkv7-g1-1.5b-20250429-ctx4096.pth",
                    "RWKV-7 G1 1.5B, chat and reasoning"),
            model("rwkv7-g1-2.9b", "BlinkDL/rwkv7-g1", "rwkv7-g1-2.9b-20250519-ctx4096.pth",
                    "RWKV-7 G1 2.9B, chat and reasoning"),
            // the World vocabulary is not in BlinkDL's model repositories; RWKV's Hugging Face
            // conversions carry the same file
            new CatalogueEntry(WORLD_VOCAB, "RWKV/v5-Eagle-7B-HF", "rwkv_vocab_v20230424.txt",
                    "e6dee3d4e31b4d5c40ac99508ac6c701ceef4bed681bf2167ce9a908552bca89", null,
                    "RWKV World vocabulary (65,536 tokens; RWKV-5/6/7 World and G1 models)"),
            // GPT-NeoX 20B tokenizer of the RWKV-4 Pile/Raven models, as BlinkDL's Raven space serves it
            new CatalogueEntry(NEOX_VOCAB, "spaces/BlinkDL/Raven-RWKV-7B", "20B_tokenizer.json",
                    "56ac4821e129d2c520fdaba60abd920fa852ada51b45c0dd52bbb6bd8c985ade", null,
                    "GPT-NeoX 20B tokenizer.json (RWKV-4 Pile and Raven models)"));

    private Catalogue() {
    }

    static List<CatalogueEntry> entries() {
        return ENTRIES;
    }

    static Optional<CatalogueEntry> find(String name) {
        return ENTRIES.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    private static CatalogueEntry model(String name, String repo, String file, String description) {
        return new CatalogueEntry(name, repo, file, null, WORLD_VOCAB, description);
    }
}
