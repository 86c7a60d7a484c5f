package dev.jrwkv.cli;

import java.net.URI;

/**
 * One downloadable file of the {@link Catalogue}: a model checkpoint or a vocabulary, hosted in a
 * Hugging Face repository ({@code <endpoint>/<repo>/resolve/main/<file>}).
 *
 * @param name        what users type: {@code jrwkv pull rwkv7-g1-0.1b}
 * @param repo        the Hugging Face repository, e.g. {@code BlinkDL/rwkv7-g1} (spaces as {@code spaces/owner/name})
 * @param file        the file name in the repository, kept as the name in the cache
 * @param sha256      the expected SHA-256 (lower-case hex), or null where only the server's header gives it
 * @param vocab       the catalogue name of the vocabulary a model needs, or null for a vocabulary
 * @param description one line for {@code jrwkv list}
 */
record CatalogueEntry(String name, String repo, String file, String sha256, String vocab, String description) {

    /** The download address under a Hugging Face endpoint (or a mirror of one). */
    URI uri(String endpoint) {
        String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        return URI.create(base + "/" + repo + "/resolve/main/" + file);
    }

    boolean isModel() {
        return vocab != null;
    }
}
