package dev.jrwkv.fuzz;

import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import dev.jrwkv.model.StateFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kills a writer process (a separate JVM) in the middle of a write and shows that the file it was
 * replacing is intact and no half-written file has the target's name: {@code AtomicFile} writes a
 * hidden temporary file beside the target and renames it only once complete and fsynced.
 */
class AtomicWriteKillTest {

    @Test
    void killedWriterLeavesTheOldFileIntact(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("model.bin");
        byte[] old = "the old, complete content".getBytes(StandardCharsets.UTF_8);
        Files.write(target, old);

        Process p = child("file", target.toString(), "256"); // 256 MiB at ~50 MiB/s: still writing when killed
        awaitLine(p, "writing");
        Thread.sleep(100);
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

        assertThat(Files.readAllBytes(target)).isEqualTo(old);
        List<Path> left = list(dir);
        // the only other file is the temporary one: hidden, another name, never opened by a reader of model.bin
        for (Path f : left) {
            if (f.equals(target)) continue;
            assertThat(f.getFileName().toString()).startsWith(".model.bin.").endsWith(".tmp");
            assertThat(Files.size(f)).isLessThan(256L << 20);
        }
    }

    @Test
    void killedStateSaverNeverLeavesAHalfStateFile(@TempDir Path dir) throws Exception {
        Path modelFile = TinyModel.write(dir.resolve("m"), "safetensors");
        Path target = dir.resolve("chat.state");
        try (Model model = Model.load(modelFile)) {
            for (int round = 0; round < 3; round++) {
                Process p = child("state", modelFile.toString(), target.toString());
                awaitLine(p, "saved");
                Thread.sleep(50 + 70L * round);
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

                State s = StateFile.load(target, model); // complete and checksummed, or this throws
                float[] v = s.toArray();
                float first = v[0];
                assertThat(first).isIn(0f, 1.5f);
                assertThat(v).containsOnly(first); // one whole state or the other, never a mix
            }
        }
    }

    private static Process child(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xmx256m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(AtomicWriteChild.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static void awaitLine(Process p, String expected) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> seen = new ArrayList<>();
        for (String line; (line = r.readLine()) != null; ) {
            if (line.equals(expected)) return;
            seen.add(line);
        }
        throw new AssertionError("child ended without printing '" + expected + "': " + seen);
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
