package dev.jrwkv.format;

import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.QuantRounding;
import dev.jrwkv.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Writes what {@code torch.save(OrderedDict_of_tensors, path)} writes (torch 2.x, atomically): a ZIP
 * archive of STORED entries under one folder {@code <archive>/}: {@code data.pkl} (pickle protocol 2:
 * a {@code collections.OrderedDict} of {@code torch._utils._rebuild_tensor_v2} calls whose storages are
 * persistent ids {@code ('storage', torch.FloatStorage|HalfStorage|BFloat16Storage, key, 'cpu', numel)}),
 * {@code .format_version}, {@code .storage_alignment}, {@code byteorder}, one {@code data/<key>} per
 * tensor, {@code version} (3) and {@code .data/serialization_id}. Every entry's data starts at a multiple
 * of 64 (torch pads the local header's extra field with an {@code FB} record), each entry is followed by
 * a data descriptor, and the archive ends with ZIP64 records, as torch's writer does.
 *
 * <p>The serialization id is derived from the content (torch draws it at random), so writing the same
 * tensors twice gives the same bytes.
 *
 * <pre>{@code
 * PyTorchWriter.write(Path.of("model.pth"), "model", tensors, DType.BF16);
 * }</pre>
 */
public final class PyTorchWriter {
    private static final int ALIGNMENT = 64;
    private static final int LOCAL_SIG = 0x04034b50;
    private static final int DESCRIPTOR_SIG = 0x08074b50;
    private static final int CENTRAL_SIG = 0x02014b50;
    private static final int ZIP64_EOCD_SIG = 0x06064b50;
    private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
    private static final int EOCD_SIG = 0x06054b50;
    /** Bit 3: sizes and CRC in a data descriptor; bit 11: UTF-8 names. */
    private static final int FLAGS = 0x0808;
    private static final long U32_MAX = 0xFFFF_FFFFL;

    private PyTorchWriter() {
    }

    /**
     * Writes {@code tensors} (names kept, order kept) as {@code type} (F32, F16 or BF16; other types are
     * converted) under the folder {@code archive} (torch uses the file name without extension).
     */
    public static void write(Path target, String archive, List<Tensor> tensors, DType type) throws IOException {
        String storage = switch (type) {
            case F32 -> "FloatStorage";
            case F16 -> "HalfStorage";
            case BF16 -> "BFloat16Storage";
            default -> throw new IllegalArgumentException("a .pth holds F32, F16 or BF16 here, not " + type);
        };
        if (archive.isEmpty() || archive.contains("/")) throw new IllegalArgumentException("bad archive folder name '" + archive + "'");
        Set<String> names = new HashSet<>();
        List<Tensor> converted = new ArrayList<>();
        for (Tensor t : tensors) {
            if (!names.add(t.name())) throw new IllegalArgumentException("tensor " + t.name() + " given twice");
            converted.add(t.type() == type ? t : Tensor.encode(t.name(), t.toFloats(), type, QuantRounding.SEPARATE, t.shape()));
        }
        byte[] pickle = pickle(converted, storage);
        AtomicFile.write(target, os -> {
            ZipOut zip = new ZipOut(new LittleEndianOutput(os));
            String p = archive + "/";
            zip.entry(p + "data.pkl", MemorySegment.ofArray(pickle));
            zip.entry(p + ".format_version", ascii("1"));
            zip.entry(p + ".storage_alignment", ascii(Integer.toString(ALIGNMENT)));
            zip.entry(p + "byteorder", ascii("little"));
            for (int i = 0; i < converted.size(); i++) zip.entry(p + "data/" + i, converted.get(i).data());
            zip.entry(p + "version", ascii("3\n"));
            zip.entry(p + ".data/serialization_id", ascii(zip.serializationId()));
            zip.finish();
        });
    }

    /** The archive folder torch would use for {@code target}: the file name without its extension. */
    public static String archiveName(Path target) {
        String n = target.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String stem = dot > 0 ? n.substring(0, dot) : n;
        return stem.isEmpty() ? "archive" : stem;
    }

    private static MemorySegment ascii(String s) {
        return MemorySegment.ofArray(s.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * The state dict as Python's pickler (protocol 2) writes it for torch: every string, global and
     * non-empty tuple memoized in order, repeated objects ('storage', 'cpu', the storage class, the
     * OrderedDict class) fetched from the memo, items in batches of 1000.
     */
    static byte[] pickle(List<Tensor> tensors, String storageClass) {
        Pickle pk = new Pickle();
        pk.op(0x80).op(2);                                             // PROTO 2
        int orderedDict = pk.global("collections", "OrderedDict");
        pk.op(')').op('R').put();                                      // OrderedDict()
        int rebuild = -1, storageMemo = -1, classMemo = -1, cpuMemo = -1;
        for (int start = 0; start < tensors.size(); start += 1000) {
            int end = Math.min(tensors.size(), start + 1000);
            boolean batch = end - start > 1;
            if (batch) pk.op('(');
            for (int i = start; i < end; i++) {
                Tensor t = tensors.get(i);
                pk.string(t.name());
                if (rebuild < 0) rebuild = pk.global("torch._utils", "_rebuild_tensor_v2");
                else pk.get(rebuild);
                pk.op('(');                                            // args of _rebuild_tensor_v2
                pk.op('(');                                            // the persistent id
                if (storageMemo < 0) storageMemo = pk.string("storage");
                else pk.get(storageMemo);
                if (classMemo < 0) classMemo = pk.global("torch", storageClass);
                else pk.get(classMemo);
                pk.string(Integer.toString(i));
                if (cpuMemo < 0) cpuMemo = pk.string("cpu");
                else pk.get(cpuMemo);
                pk.integer(t.numel());
                pk.op('t').put();
                pk.op('Q');                                            // BINPERSID
                pk.integer(0);                                         // storage offset
                long[] shape = t.shape();
                long[] stride = new long[shape.length];
                long s = 1;
                for (int d = shape.length - 1; d >= 0; d--) {
                    stride[d] = s;
                    s *= shape[d];
                }
                pk.tuple(shape);
                pk.tuple(stride);
                pk.op(0x89);                                           // requires_grad = False
                pk.get(orderedDict).op(')').op('R').put();             // backward_hooks = OrderedDict()
                pk.op('t').put();
                pk.op('R').put();
                if (!batch) pk.op('s');                                // SETITEM
            }
            if (batch) pk.op('u');                                     // SETITEMS
        }
        pk.op('.');
        return pk.out.toByteArray();
    }

    /** Pickle opcodes with Python's memo numbering. */
    private static final class Pickle {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int memo;

        Pickle op(int b) {
            out.write(b);
            return this;
        }

        private void le(long v, int bytes) {
            for (int i = 0; i < bytes; i++) out.write((int) (v >>> (8 * i)) & 0xFF);
        }

        /** BINPUT / LONG_BINPUT of the object just built; returns its memo index. */
        int put() {
            int i = memo++;
            if (i < 256) {
                op('q');
                le(i, 1);
            } else {
                op('r');
                le(i, 4);
            }
            return i;
        }

        Pickle get(int i) {
            if (i < 256) {
                op('h');
                le(i, 1);
            } else {
                op('j');
                le(i, 4);
            }
            return this;
        }

        int global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return put();
        }

        int string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            le(b.length, 4);
            out.writeBytes(b);
            return put();
        }

        /** Python's save_long for protocol 2: BININT1, BININT2, BININT, else LONG1. */
        void integer(long v) {
            if (v >= 0 && v <= 0xFF) {
                op('K');
                le(v, 1);
            } else if (v >= 0 && v <= 0xFFFF) {
                op('M');
                le(v, 2);
            } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                op('J');
                le(v, 4);
            } else {
                byte[] be = java.math.BigInteger.valueOf(v).toByteArray();   // two's complement, minimal
                op(0x8a);
                le(be.length, 1);
                for (int i = be.length - 1; i >= 0; i--) out.write(be[i]);
            }
        }

        void tuple(long[] values) {
            if (values.length == 0) {
                op(')');                                               // the empty tuple is not memoized
                return;
            }
            if (values.length > 3) op('(');
            for (long v : values) integer(v);
            op(switch (values.length) {
                case 1 -> 0x85;
                case 2 -> 0x86;
                case 3 -> 0x87;
                default -> 't';
            });
            put();
        }
    }

    /** A ZIP writer laid out as torch's (miniz) is: STORED, 64-byte aligned data, descriptors, ZIP64 end records. */
    private static final class ZipOut {
        private record Written(byte[] name, long crc, long size, long offset) {
        }

        private final LittleEndianOutput out;
        private final List<Written> entries = new ArrayList<>();
        private final byte[] buf = new byte[1 << 16];

        ZipOut(LittleEndianOutput out) {
            this.out = out;
        }

        void entry(String name, MemorySegment data) throws IOException {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            long offset = out.position();
            long size = data.byteSize();
            boolean zip64 = size >= U32_MAX || offset >= U32_MAX;
            byte[] zip64Extra = zip64 ? zip64Extra(size, offset) : new byte[0];
            // the FB record pads the header so that the data starts at a multiple of 64
            long start = offset + 30 + n.length + zip64Extra.length + 4;
            int padding = (int) ((ALIGNMENT - start % ALIGNMENT) % ALIGNMENT);
            out.u32(LOCAL_SIG);
            out.u16(zip64 ? 45 : 0);                                   // version needed
            out.u16(FLAGS);
            out.u16(0);                                                // STORED
            out.u16(0);                                                // time
            out.u16(0);                                                // date
            out.u32(0);                                                // crc, sizes: in the descriptor
            out.u32(0);
            out.u32(0);
            out.u16(n.length);
            out.u16(zip64Extra.length + 4 + padding);
            out.bytes(n);
            out.bytes(zip64Extra);
            out.u16('F' | 'B' << 8);
            out.u16(padding);
            for (int i = 0; i < padding; i++) out.u8('Z');
            CRC32 crc = new CRC32();
            for (long off = 0; off < size; off += buf.length) {
                int len = (int) Math.min(buf.length, size - off);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, off, buf, 0, len);
                crc.update(buf, 0, len);
            }
            out.segment(data);
            out.u32(DESCRIPTOR_SIG);
            out.u32((int) crc.getValue());
            if (zip64) {
                out.u64(size);
                out.u64(size);
            } else {
                out.u32((int) size);
                out.u32((int) size);
            }
            entries.add(new Written(n, crc.getValue(), size, offset));
        }

        /** ZIP64 extended information: the sizes when they overflow, then the offset when it does. */
        private static byte[] zip64Extra(long size, long offset) {
            int fields = (size >= U32_MAX ? 2 : 0) + (offset >= U32_MAX ? 1 : 0);
            byte[] b = new byte[4 + 8 * fields];
            b[0] = 1;
            b[2] = (byte) (8 * fields);
            int p = 4;
            if (size >= U32_MAX) {
                p = putLong(b, p, size);
                p = putLong(b, p, size);
            }
            if (offset >= U32_MAX) putLong(b, p, offset);
            return b;
        }

        private static int putLong(byte[] b, int p, long v) {
            for (int i = 0; i < 8; i++) b[p + i] = (byte) (v >>> (8 * i));
            return p + 8;
        }

        /** Two 20-digit numbers, as torch's id looks; here a digest of the entries written so far. */
        String serializationId() {
            long a = 17, b = 0x9E3779B97F4A7C15L;
            for (Written w : entries) {
                a = a * 31 + w.crc();
                b = Long.rotateLeft(b ^ (w.crc() * 0xC2B2AE3D27D4EB4FL + w.size()), 27) * 0x165667B19E3779F9L;
            }
            return String.format("%020d%020d", a & Long.MAX_VALUE, b & Long.MAX_VALUE);
        }

        void finish() throws IOException {
            long cdOffset = out.position();
            for (Written w : entries) {
                boolean bigSize = w.size() >= U32_MAX, bigOffset = w.offset() >= U32_MAX;
                byte[] extra = bigSize || bigOffset ? zip64Extra(w.size(), w.offset()) : new byte[0];
                out.u32(CENTRAL_SIG);
                out.u16(0);                                            // version made by
                out.u16(extra.length > 0 ? 45 : 0);                    // version needed
                out.u16(FLAGS);
                out.u16(0);
                out.u16(0);
                out.u16(0);
                out.u32((int) w.crc());
                out.u32(bigSize ? -1 : (int) w.size());
                out.u32(bigSize ? -1 : (int) w.size());
                out.u16(w.name().length);
                out.u16(extra.length);
                out.u16(0);                                            // comment
                out.u16(0);                                            // disk
                out.u16(0);                                            // internal attributes
                out.u32(0);                                            // external attributes
                out.u32(bigOffset ? -1 : (int) w.offset());
                out.bytes(w.name());
                out.bytes(extra);
            }
            long cdSize = out.position() - cdOffset;
            long zip64Eocd = out.position();
            out.u32(ZIP64_EOCD_SIG);
            out.u64(44);                                               // size of the rest of this record
            out.u16(0x031e);                                           // made by: unix, 3.0
            out.u16(45);                                               // needed: 4.5 (ZIP64)
            out.u32(0);
            out.u32(0);
            out.u64(entries.size());
            out.u64(entries.size());
            out.u64(cdSize);
            out.u64(cdOffset);
            out.u32(ZIP64_LOCATOR_SIG);
            out.u32(0);
            out.u64(zip64Eocd);
            out.u32(1);
            out.u32(EOCD_SIG);
            out.u16(0);
            out.u16(0);
            int count = entries.size() >= 0xFFFF ? 0xFFFF : entries.size();
            out.u16(count);
            out.u16(count);
            out.u32(cdSize >= U32_MAX ? -1 : (int) cdSize);
            out.u32(cdOffset >= U32_MAX ? -1 : (int) cdOffset);
            out.u16(0);
        }
    }
}
