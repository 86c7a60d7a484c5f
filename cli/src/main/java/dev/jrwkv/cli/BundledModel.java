package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The model that ships in the repository ({@value #FILE}, a byte-level RWKV-7 that jrwkv trained on
 * Shakespeare): what {@code generate} and {@code chat} run when no MODEL is given. Found under the
 * folder the launcher names ({@code -Djrwkv.home}), else under a folder above the jar (or classes)
 * this code runs from, so it works from a fresh clone.
 *
 * <pre>{@code
 * Path model = BundledModel.path();   // .../models/tiny-shakespeare-rwkv7.safetensors
 * }</pre>
 */
final class BundledModel {
    static final String FILE = "models/tiny-shakespeare-rwkv7.safetensors";
    private static final String[] MODEL_SUFFIXES = {".pth", ".bin", ".safetensors", ".gguf", ".st", ".pt"};

    private BundledModel() {
    }

    static Path path() {
        List<Path> roots = new ArrayList<>();
        String home = System.getProperty("jrwkv.home");
        if (home != null && !home.isBlank()) roots.add(Path.of(home));
        codeLocation().ifPresent(loc -> {
            for (Path p = loc; p != null && roots.size() < 6; p = p.getParent()) roots.add(p);
        });
        return find(roots);
    }

    /** The bundled file under the first of {@code roots} that has it. */
    static Path find(List<Path> roots) {
        for (Path root : roots) {
            Path f = root.resolve(FILE);
            if (Files.isRegularFile(f)) return f;
        }
        throw new JrwkvException("no MODEL given and the bundled model " + FILE + " is not there (looked under " + roots
                + "): give a model file, or run from a clone of the repository");
    }

    /** True when an argument names a model rather than a prompt: an existing file, or a name with a model file's suffix or a folder. */
    static boolean looksLikeModel(String arg) {
        if (Files.exists(Path.of(arg))) return true;
        String lower = arg.toLowerCase(Locale.ROOT);
        for (String s : MODEL_SUFFIXES) if (lower.endsWith(s)) return true;
        return arg.contains("/") && !arg.contains(" ") && !arg.contains("\n");
    }

    private static java.util.Optional<Path> codeLocation() {
        try {
            var source = BundledModel.class.getProtectionDomain().getCodeSource();
            return source == null ? java.util.Optional.empty() : java.util.Optional.of(Path.of(source.getLocation().toURI()).toAbsolutePath());
        } catch (URISyntaxException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }
}
