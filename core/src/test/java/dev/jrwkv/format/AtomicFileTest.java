package dev.jrwkv.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

class AtomicFileTest {

    @Test
    void newFilesAreWorldReadableAndReplacedFilesKeepTheirPermissions(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("out.bin");
        AtomicFile.write(f, out -> out.write(new byte[] {1, 2, 3}));
        assertThat(Files.readAllBytes(f)).containsExactly(1, 2, 3);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r--r--");

        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw----"));
        AtomicFile.write(f, out -> out.write(new byte[] {4}));
        assertThat(Files.readAllBytes(f)).containsExactly(4);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-rw----");
        try (var s = Files.list(dir)) {
            assertThat(s).containsExactly(f);             // no temporary file left behind
        }
    }
}
