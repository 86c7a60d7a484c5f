package dev.jrwkv.cli;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import dev.jrwkv.model.StateFile;
import dev.jrwkv.model.StateTuning;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The {@code --state FILE} of {@code generate} and {@code chat}: a jrwkv state file (what chat's
 * {@code /save} writes), told apart by its magic. State-tuning checkpoints ({@code .pth} holding
 * {@code blocks.N.att.time_state}, any model format) are the other kind, read by {@link StateTuning}.
 */
final class StateArgument {
    private static final byte[] STATE_FILE_MAGIC = "JRWKVST1".getBytes(StandardCharsets.US_ASCII);

    private StateArgument() {
    }

    static State load(Path file, Model model) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(STATE_FILE_MAGIC.length);
        } catch (NoSuchFileException e) {
            throw new JrwkvException("--state: " + file + ": no such file");
        } catch (IOException e) {
            throw new JrwkvException("--state: cannot read " + file + ": " + e.getMessage(), e);
        }
        if (Arrays.equals(head, STATE_FILE_MAGIC)) return StateFile.load(file, model);
        return StateTuning.load(file, model);
    }
}
