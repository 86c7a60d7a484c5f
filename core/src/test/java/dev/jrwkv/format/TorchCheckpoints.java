package dev.jrwkv.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds small {@code torch.save}-style checkpoints in tests: the state-dict pickle (opcode for
 * opcode as torch writes it) and the zip around it, either with {@link java.util.zip} or by hand
 * (to get ZIP64 records or to plant bad offsets).
 */
public final class TorchCheckpoints {
    private TorchCheckpoints() {
    }

    /** One state-dict entry: {@code _rebuild_tensor_v2(storage(type, key, storageNumel), offset, size, stride)}. */
    public record Spec(String name, String storageType, String key, long storageNumel, long offset, long[] size, long[] stride) {
        /** A contiguous tensor that fills its own storage. */
        public static Spec contiguous(String name, String storageType, String key, long... size) {
            long[] stride = new long[size.length];
            long n = 1;
            for (int i = size.length - 1; i >= 0; i--) {
                stride[i] = n;
                n *= size[i];
            }
            return new Spec(name, storageType, key, n, 0, size, stride);
        }
    }

    /** The pickle torch.save writes for an OrderedDict of these tensors (protocol 2, as in the fixture). */
    public static byte[] stateDictPickle(List<Spec> specs) {
        PickleWriter p = new PickleWriter().proto(2).global("collections", "OrderedDict").op(')').op('R').mark();
        for (Spec s : specs) {
            p.binunicode(s.name()).global("torch._utils", "_rebuild_tensor_v2").mark();
            p.mark().binunicode("storage").global("torch", s.storageType()).binunicode(s.key()).binunicode("cpu").integer(s.storageNumel()).op('t').op('Q');
            p.integer(s.offset()).tuple(s.size()).tuple(s.stride()).op(0x89);
            p.global("collections", "OrderedDict").op(')').op('R'); // backward_hooks
            p.op('t').op('R');
        }
        return p.op('u').stop().bytes();
    }

    /** The entries of a checkpoint under {@code archive/}: data.pkl, byteorder, version and data/<key>. */
    public static Map<String, byte[]> entries(byte[] pickle, Map<String, byte[]> storages) {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", pickle);
        e.put("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        storages.forEach((k, v) -> e.put("archive/data/" + k, v));
        e.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return e;
    }

    /** A zip of STORED entries (or DEFLATED ones for names in {@code deflate}) written by java.util.zip. */
    public static byte[] javaZip(Map<String, byte[]> entries, String... deflate) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry z = new ZipEntry(e.getKey());
                if (!List.of(deflate).contains(e.getKey())) {
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    z.setMethod(ZipEntry.STORED);
                    z.setSize(e.getValue().length);
                    z.setCompressedSize(e.getValue().length);
                    z.setCrc(crc.getValue());
                } else {
                    z.setMethod(ZipEntry.DEFLATED);
                }
                zip.putNextEntry(z);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    /**
     * A zip of STORED entries written by hand. With {@code zip64}, sizes and offsets in the central
     * directory are saturated (0xFFFFFFFF) and given in ZIP64 extra fields, and the archive ends with
     * a ZIP64 end record and locator, as writers do for archives over 4 GiB.
     */
    static byte[] handZip(Map<String, byte[]> entries, boolean zip64) {
        ByteBuffer out = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer central = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] data = e.getValue();
            CRC32 crc = new CRC32();
            crc.update(data);
            int local = out.position();
            out.putInt(0x04034b50).putShort((short) 45).putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt((int) crc.getValue()).putInt(data.length).putInt(data.length)
                    .putShort((short) name.length).putShort((short) 0).put(name).put(data);
            central.putInt(0x02014b50).putShort((short) 45).putShort((short) 45).putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt((int) crc.getValue())
                    .putInt(zip64 ? -1 : data.length).putInt(zip64 ? -1 : data.length)
                    .putShort((short) name.length).putShort((short) (zip64 ? 28 : 0)).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0).putInt(zip64 ? -1 : local).put(name);
            if (zip64) central.putShort((short) 1).putShort((short) 24).putLong(data.length).putLong(data.length).putLong(local);
        }
        int cdOffset = out.position();
        int cdSize = central.position();
        out.put(central.flip());
        if (zip64) {
            int z = out.position();
            out.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                    .putLong(entries.size()).putLong(entries.size()).putLong(cdSize).putLong(cdOffset);
            out.putInt(0x07064b50).putInt(0).putLong(z).putInt(1);
            out.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) -1).putShort((short) -1)
                    .putInt(-1).putInt(-1).putShort((short) 0);
        } else {
            out.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) entries.size()).putShort((short) entries.size())
                    .putInt(cdSize).putInt(cdOffset).putShort((short) 0);
        }
        byte[] result = new byte[out.position()];
        out.flip().get(result);
        return result;
    }

    /** Little-endian float32 bytes. */
    public static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return b.array();
    }

    /** Little-endian float16 bytes. */
    static byte[] f16(float... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putShort(Float.floatToFloat16(v));
        return b.array();
    }

    /** Little-endian bfloat16 bytes (values must be bf16-exact). */
    static byte[] bf16(float... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
        return b.array();
    }
}
