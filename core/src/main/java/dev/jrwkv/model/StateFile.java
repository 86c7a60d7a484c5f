package dev.jrwkv.model;

import dev.jrwkv.JrwkvException;
import dev.jrwkv.format.AtomicFile;
import dev.jrwkv.format.ModelFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Saves and loads a {@link State} together with the identity of its model, so that a state is
 * never applied to another model. Layout (little endian): magic {@code JRWKVST1}, int32 header
 * length, a UTF-8 header of {@code key=value} lines (model summary, sizes, weight fingerprint,
 * float count), the floats in the official state order, int32 CRC-32 of everything before it.
 *
 * <pre>{@code
 * StateFile.save(state, Path.of("chat.state"), model);
 * State again = StateFile.load(Path.of("chat.state"), model);
 * }</pre>
 */
public final class StateFile {
    private static final byte[] MAGIC = "JRWKVST1".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_HEADER = 1 << 16;

    private StateFile() {
    }

    /** Writes {@code state} atomically (temp file, fsync, rename). */
    public static void save(State state, Path file, Model model) {
        ModelConfig c = model.config();
        if (state.config().stateSize() != c.stateSize()) throw new IllegalArgumentException("state does not belong to this model");
        float[] v = state.toArray();
        byte[] header = header(c, model.fingerprint(), v.length).getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(MAGIC.length + 4 + header.length + 4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putInt(header.length).put(header);
        for (float f : v) buf.putFloat(f);
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, buf.position());
        try {
            AtomicFile.write(file, out -> {
                out.write(buf.array(), 0, buf.position());
                out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue()).array());
            });
        } catch (IOException e) {
            throw new JrwkvException("cannot write state file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a state saved for {@code model}; refuses a state of another model with a message naming both. */
    public static State load(Path file, Model model) {
        ModelConfig c = model.config();
        int n = c.stateSize();
        byte[] bytes;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(MAGIC.length + 4);
            if (head.length < MAGIC.length + 4 || !java.util.Arrays.equals(head, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
                throw new ModelFormatException(file, "not a jrwkv state file (bad magic)");
            }
            int headerLength = ByteBuffer.wrap(head, MAGIC.length, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (headerLength < 0 || headerLength > MAX_HEADER) {
                throw new ModelFormatException(file, "state header length " + headerLength + " is invalid (corrupt file)");
            }
            byte[] headerBytes = in.readNBytes(headerLength);
            if (headerBytes.length < headerLength) throw new ModelFormatException(file, "truncated state header");
            String headerText = new String(headerBytes, StandardCharsets.UTF_8);
            if (!headerText.equals(header(c, model.fingerprint(), n))) {
                Map<String, String> header = parse(headerText);
                throw new JrwkvException("state file " + file + " belongs to another model: saved for " + header.getOrDefault("model", "?")
                        + " (weights " + header.getOrDefault("fingerprint", "?") + "), this model is " + c.summary()
                        + " (weights " + model.fingerprint() + ")");
            }
            byte[] body = in.readNBytes(4 * n + 5);   // one byte more than expected reveals trailing garbage
            if (body.length != 4 * n + 4) {
                throw new ModelFormatException(file, "holds " + Math.max(0, body.length - 4) + " bytes of state, expected " + 4L * n
                        + " (" + (body.length < 4 * n + 4 ? "truncated" : "trailing bytes: corrupt") + ")");
            }
            bytes = new byte[head.length + headerLength + body.length];
            System.arraycopy(head, 0, bytes, 0, head.length);
            System.arraycopy(headerBytes, 0, bytes, head.length, headerLength);
            System.arraycopy(body, 0, bytes, head.length + headerLength, body.length);
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read state file: " + e.getMessage(), e);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.getInt(bytes.length - 4) != (int) crc.getValue()) throw new ModelFormatException(file, "checksum mismatch (corrupt state file)");
        buf.position(bytes.length - 4 - 4 * n);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = buf.getFloat();
        State s = new State(c);
        s.set(v);
        return s;
    }

    private static String header(ModelConfig c, String fingerprint, int floats) {
        return "model=" + c.summary().replaceAll(" lora.*", "") + "\nversion=" + c.version() + "\nlayers=" + c.layers()
                + "\nembd=" + c.embd() + "\nheads=" + c.heads() + "\nhead_size=" + c.headSize()
                + "\nfingerprint=" + fingerprint + "\nfloats=" + floats + "\n";
    }

    private static Map<String, String> parse(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) m.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return m;
    }
}
