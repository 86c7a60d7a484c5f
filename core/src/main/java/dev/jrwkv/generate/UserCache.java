package dev.jrwkv.generate;

import java.nio.file.Path;

/**
 * The folder where jrwkv keeps downloaded models and vocabularies: {@code $JRWKV_HOME}, else
 * {@code $XDG_CACHE_HOME/jrwkv}, else {@code ~/.cache/jrwkv}.
 */
public final class UserCache {
    private UserCache() {
    }

    public static Path dir() {
        String home = System.getenv("JRWKV_HOME");
        if (home != null && !home.isBlank()) return Path.of(home);
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "jrwkv");
        return Path.of(System.getProperty("user.home"), ".cache", "jrwkv");
    }
}
