package dev.jrwkv.train;

import dev.jrwkv.format.AtomicFile;
import dev.jrwkv.format.ModelFormatException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Everything needed to resume training exactly: the step, the parameters and AdamW's two moments,
 * in our own simple big-endian format, written atomically:
 * <pre>
 *   "JRWKVTRN" u32 version=1 | u32 V L C N Dw Da Dv Dg | i64 step | i64 adam steps
 *   then per parameter, in official order: UTF name, u32 count, count×f32 param, m, v
 * </pre>
 * Batches and the learning rate are functions of (seed, step), so nothing else is needed.
 */
public final class TrainingState {
    private static final byte[] MAGIC = "JRWKVTRN".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    private TrainingState() {
    }

    public static void write(Path file, int step, Parameters params, AdamW opt) throws IOException {
        AtomicFile.write(file, os -> {
            DataOutputStream out = new DataOutputStream(os);
            out.write(MAGIC);
            out.writeInt(VERSION);
            ModelShape s = params.shape();
            for (int d : new int[] {s.vocab(), s.layers(), s.embd(), s.headSize(), s.rankW(), s.rankA(), s.rankV(), s.rankG()}) out.writeInt(d);
            out.writeLong(step);
            out.writeLong(opt.steps());
            for (Param p : params.all().values()) {
                out.writeUTF(p.name());
                out.writeInt(p.size());
                for (Parameters set : new Parameters[] {params, opt.firstMoments(), opt.secondMoments()}) {
                    for (float f : set.get(p.name()).data()) out.writeFloat(f);
                }
            }
            out.flush();
        });
    }

    /** Reads {@code file} into {@code params} and {@code opt} (which must have the file's shape); returns the step. */
    public static int read(Path file, Parameters params, AdamW opt) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!java.util.Arrays.equals(magic, MAGIC)) throw new ModelFormatException(file, "not a jrwkv training state (bad magic)");
            int version = in.readInt();
            if (version != VERSION) throw new ModelFormatException(file, "unsupported training state version " + version);
            int[] d = new int[8];
            for (int i = 0; i < 8; i++) d[i] = in.readInt();
            ModelShape s = params.shape();
            ModelShape stored;
            try {
                stored = new ModelShape(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file, "corrupt model shape: " + e.getMessage());
            }
            if (!stored.equals(s)) throw new ModelFormatException(file, "state is for " + stored + ", the trainer is " + s);
            long step = in.readLong(), adamSteps = in.readLong();
            if (step < 0 || step > Integer.MAX_VALUE || adamSteps < 0) throw new ModelFormatException(file, "corrupt step " + step);
            for (Param p : params.all().values()) {
                String name = in.readUTF();
                int n = in.readInt();
                if (!name.equals(p.name()) || n != p.size()) {
                    throw new ModelFormatException(file, "expected " + p.name() + " (" + p.size() + " floats), found " + name + " (" + n + ")");
                }
                for (Parameters set : new Parameters[] {params, opt.firstMoments(), opt.secondMoments()}) {
                    float[] a = set.get(p.name()).data();
                    for (int i = 0; i < n; i++) a[i] = in.readFloat();
                }
            }
            if (in.read() != -1) throw new ModelFormatException(file, "trailing bytes after the last tensor");
            opt.restore(adamSteps);
            return (int) step;
        } catch (EOFException e) {
            throw new ModelFormatException(file, "truncated training state");
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e.getMessage(), e);
        }
    }
}
