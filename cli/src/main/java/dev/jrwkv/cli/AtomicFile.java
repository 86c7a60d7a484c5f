package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file so that readers see either the old content or the whole new one: the bytes go to a
 * temporary file in the same folder, which is then renamed over the target in one step.
 *
 * <pre>{@code
 * AtomicFile.write(Path.of("x.f32"), out -> out.write(bytes));
 * }</pre>
 */
final class AtomicFile {
    private AtomicFile() {
    }

    /** What writes the content. */
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Fails early, naming {@code target}, when its folder is missing or it is a folder itself. */
    static void checkFolder(Path target) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new JrwkvException("cannot write " + target + ": no such folder " + dir);
        if (Files.isDirectory(abs)) throw new JrwkvException("cannot write " + target + ": it is a folder");
    }

    /** Writes {@code target} through a temporary file and an atomic rename; a {@link JrwkvException} on failure. */
    static void write(Path target, Body body) {
        checkFolder(target);
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            // same folder as the target, so that the rename stays on one file system and can be atomic
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                body.writeTo(out);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (NoSuchFileException e) {
            throw new JrwkvException("cannot write " + target + ": no such file or folder " + e.getFile(), e);
        } catch (IOException e) {
            throw new JrwkvException("cannot write " + target + ": " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original error is the one worth reporting
                }
            }
        }
    }
}
