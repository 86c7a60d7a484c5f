package dev.jrwkv.server;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import dev.jrwkv.model.StateFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Initial states by name (state-tuning results, saved conversations): {@code "state": "name"} in a
 * request reads {@code DIR/name.state} (or {@code DIR/name}), a file saved with {@link StateFile}
 * for this model. Loaded once, then kept.
 */
final class NamedStates {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Path dir;
    private final Model model;
    private final Map<String, State> loaded = new ConcurrentHashMap<>();

    /** @param dir the folder, or null when the server has none */
    NamedStates(Path dir, Model model) {
        this.dir = dir;
        this.model = model;
    }

    /** The state called {@code name} (shared: copy before use); a 400 naming {@code state} when there is none. */
    State resolve(String name) {
        if (dir == null) throw ApiException.invalid("state", "this server has no states folder (start it with --states DIR)");
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            throw ApiException.invalid("state", "state name '" + name + "' may hold only letters, digits, '.', '_' and '-'");
        }
        return loaded.computeIfAbsent(name, this::load);
    }

    private State load(String name) {
        Path file = dir.resolve(name + ".state");
        if (!Files.isRegularFile(file)) file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new ApiException(400, "invalid_request_error", "state", "state_not_found", "unknown state '" + name + "' (no " + name + ".state in the states folder)");
        }
        try {
            return StateFile.load(file, model);
        } catch (JrwkvException e) {
            throw ApiException.invalid("state", "state '" + name + "' cannot be used: " + e.getMessage());
        }
    }
}
