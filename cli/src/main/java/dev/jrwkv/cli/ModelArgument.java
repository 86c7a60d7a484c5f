package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The MODEL argument of {@code generate} and {@code chat}: a model file, or the name of a
 * {@link Catalogue} entry that {@code jrwkv pull} has downloaded into the cache.
 */
final class ModelArgument {
    private ModelArgument() {
    }

    static Path resolve(String model, Path cacheDir) {
        Path file = Path.of(model);
        if (Files.exists(file)) return file;
        Optional<CatalogueEntry> entry = Catalogue.find(model);
        if (entry.isEmpty()) return file;   // not a name: the model reader names the missing file
        Path cached = cacheDir.resolve(entry.get().file());
        if (!Files.isRegularFile(cached)) {
            throw new JrwkvException("model " + model + " is not downloaded (no " + cached + "): run `jrwkv pull " + model + "`");
        }
        return cached;
    }
}
