package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.format.AtomicFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Output files of commands: the folder is checked before any work, and the file written atomically. */
final class OutputFile {
    private OutputFile() {
    }

    /** Fails early, with a message naming it, when {@code target} cannot be written. */
    static void check(Path target) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new JrwkvException("cannot write " + target + ": no such folder " + dir);
        if (Files.isDirectory(abs)) throw new JrwkvException("cannot write " + target + ": it is a folder");
    }

    /** Writes through {@link AtomicFile}; a {@link JrwkvException} naming the file on failure. */
    static void write(Path target, AtomicFile.Content content) {
        check(target);
        try {
            AtomicFile.write(target, content);
        } catch (IOException e) {
            throw new JrwkvException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }
}
