package dev.jrwkv.langchain4j;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.fail;

/**
 * Where the shared test fixtures are: system property {@code jrwkv.fixtures}, default
 * {@code ../shared/fixtures} beside the project root. When they are absent (a user's clone) the
 * tests that need them are skipped with a message; with {@code -Djrwkv.requireFixtures=true} (CI)
 * a missing fixture fails the test instead.
 */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path root() {
        String p = System.getProperty("jrwkv.fixtures");
        if (p != null && !p.isBlank()) return Path.of(p);
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve("../shared/fixtures").normalize();
            if (Files.isDirectory(candidate)) return candidate;
        }
        return dir.resolve("../shared/fixtures").normalize();
    }

    /** The fixture at {@code relative} (e.g. {@code tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin}); skips or fails when absent. */
    public static Path file(String relative) {
        Path f = root().resolve(relative);
        if (!Files.exists(f)) {
            String msg = "fixture " + f + " is absent (set -Djrwkv.fixtures=DIR to the shared fixtures folder)";
            if (Boolean.getBoolean("jrwkv.requireFixtures")) fail(msg);
            Assumptions.abort(msg);
        }
        return f;
    }
}
