package dev.jrwkv.fuzz;

import dev.jrwkv.format.AtomicFile;
import dev.jrwkv.model.Model;
import dev.jrwkv.model.State;
import dev.jrwkv.model.StateFile;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The writer process that {@link AtomicWriteKillTest} kills midway. {@code file TARGET MIB}: writes
 * MIB mebibytes of 0x5A through {@link AtomicFile}, slowly, printing {@code writing} once the first
 * chunk is out. {@code state MODEL TARGET}: saves two different states over TARGET in an endless loop,
 * printing {@code saved} after the first save.
 */
public final class AtomicWriteChild {
    private AtomicWriteChild() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "file" -> {
                Path target = Path.of(args[1]);
                int mib = Integer.parseInt(args[2]);
                byte[] chunk = new byte[1 << 20];
                Arrays.fill(chunk, (byte) 0x5A);
                AtomicFile.write(target, out -> {
                    for (int i = 0; i < mib; i++) {
                        out.write(chunk);
                        out.flush();
                        if (i == 0) {
                            System.out.println("writing");
                            System.out.flush();
                        }
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            throw new java.io.InterruptedIOException();
                        }
                    }
                });
                System.out.println("finished");
            }
            case "state" -> {
                try (Model model = Model.load(Path.of(args[1]))) {
                    Path target = Path.of(args[2]);
                    State a = model.newState();
                    State b = model.newState();
                    float[] v = b.toArray();
                    Arrays.fill(v, 1.5f);
                    b.set(v);
                    for (long i = 0; ; i++) {
                        StateFile.save(i % 2 == 0 ? a : b, target, model);
                        if (i == 0) {
                            System.out.println("saved");
                            System.out.flush();
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
