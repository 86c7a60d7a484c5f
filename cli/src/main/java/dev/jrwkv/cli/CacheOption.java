package dev.jrwkv.cli;

import dev.jrwkv.generate.UserCache;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --cache-dir DIR}: where pulled models live; by default {@link UserCache#dir()}. A picocli mixin. */
final class CacheOption {
    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Folder of pulled models and vocabularies (default: $JRWKV_HOME, else $XDG_CACHE_HOME/jrwkv, else ~/.cache/jrwkv).")
    Path dir;

    Path dir() {
        return dir != null ? dir : UserCache.dir();
    }
}
