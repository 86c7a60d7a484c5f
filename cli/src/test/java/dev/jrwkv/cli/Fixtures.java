package dev.jrwkv.cli;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.fail;

/**
 * The shared test fixtures (the same rules as core's {@code dev.jrwkv.Fixtures}, whose test classes
 * are not on this module's classpath): system property {@code jrwkv.fixtures}, default
 * {@code ../shared/fixtures} beside the project root; absent fixtures skip the test, or fail it
 * under {@code -Djrwkv.requireFixtures=true}.
 */
final class Fixtures {
    private Fixtures() {
    }

    static Path root() {
        String p = System.getProperty("jrwkv.fixtures");
        if (p != null && !p.isBlank()) return Path.of(p);
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("../shared/fixtures").normalize();
            if (Files.isDirectory(candidate)) return candidate;
        }
        return Path.of("../shared/fixtures").toAbsolutePath().normalize();
    }

    /** The fixture at {@code relative}, e.g. {@code tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin}. */
    static Path file(String relative) {
        Path f = root().resolve(relative);
        if (!Files.exists(f)) {
            String msg = "fixture " + f + " is absent (set -Djrwkv.fixtures=DIR to the shared fixtures folder)";
            if (Boolean.getBoolean("jrwkv.requireFixtures")) fail(msg);
            Assumptions.abort(msg);
        }
        return f;
    }
}
