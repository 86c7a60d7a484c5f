package dev.jrwkv.format;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Shared checks for bad-input tests: the reader must throw a ModelFormatException naming the file and the problem. */
final class Rejections {
    private Rejections() {
    }

    /** Opens {@code file} with {@code reader} and expects a rejection whose message holds the file name and every fragment. */
    static void assertRejected(Path file, Function<Path, ? extends TensorStore> reader, String... fragments) {
        assertThatThrownBy(() -> {
            try (TensorStore ignored = reader.apply(file)) {
                // opening must fail
            }
        }).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(file.toString())
                .satisfies(e -> {
                    for (String f : fragments) {
                        org.assertj.core.api.Assertions.assertThat(e.getMessage()).containsIgnoringCase(f);
                    }
                });
    }

    /** Writes {@code bytes} to {@code dir/name}. */
    static Path write(Path dir, String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first {@code length} bytes of {@code source}, written to {@code dir}. */
    static Path truncated(Path dir, Path source, long length) {
        try {
            byte[] all = Files.readAllBytes(source);
            return write(dir, source.getFileName() + ".cut" + length, Arrays.copyOf(all, (int) length));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
