package dev.jrwkv.format;

import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.LittleEndian;
import dev.jrwkv.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * GGUF, the llama.cpp/ggml container (versions 2 and 3, little endian): magic {@code "GGUF"}, version,
 * tensor count and metadata count (u64), the metadata key/values, the tensor infos (name, dims in
 * ggml order, ggml type, offset), padding to {@code general.alignment} (default 32), then the data.
 * Tensors are memory-mapped; shapes are exposed in PyTorch order (ggml's {@code ne} reversed).
 *
 * <p>Names and values are the writer's (llama.cpp's {@code blk.N.time_mix_*} for RWKV); the model
 * package translates them.
 *
 * <pre>{@code
 * try (GgufFile f = GgufFile.open(Path.of("rwkv7.gguf"))) {
 *     String arch = f.metadata().get("general.architecture");
 *     List<String> tokens = f.stringArray("tokenizer.ggml.tokens");
 * }
 * }</pre>
 */
public final class GgufFile extends MappedTensorStore {
    /** "GGUF" read as a little-endian int. */
    public static final int MAGIC = 0x46554747;
    public static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4;
    private static final int MAX_ARRAY_DEPTH = 4;

    private final int version;
    private final SequencedMap<String, GgufValue> values;

    private GgufFile(Path path, Arena arena, MemorySegment file, int version, SequencedMap<String, GgufValue> values, SequencedMap<String, Tensor> tensors) {
        // metadata(): the scalar values as text (numbers in decimal); arrays are left out, see values()
        super(path, arena, file, tensors, scalars(values));
        this.version = version;
        this.values = Collections.unmodifiableSequencedMap(values);
    }

    private static Map<String, String> scalars(SequencedMap<String, GgufValue> values) {
        Map<String, String> scalars = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (v.type() != GgufType.ARRAY) scalars.put(k, v.toString());
        });
        return scalars;
    }

    /** Maps {@code path} and reads the header, metadata and tensor infos; data stays in the mapping. */
    public static GgufFile open(Path path) {
        return map(path, GgufFile::parse);
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment file) {
        Reader in = new Reader(path, file);
        in.need(4, "magic");
        int magic = file.get(LittleEndian.INT, 0);
        if (magic != MAGIC) throw new ModelFormatException(path, String.format("not a GGUF file: magic 0x%08x, expected 0x%08x (\"GGUF\")", magic, MAGIC));
        in.pos = 4;
        int version = in.u32("version");
        if (version == 1) throw new ModelFormatException(path, "GGUF version 1 is not supported (re-convert with a current llama.cpp)");
        if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3) {
            throw new ModelFormatException(path, "big-endian GGUF is not supported");
        }
        if (version != 2 && version != 3) throw new ModelFormatException(path, "unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2, 3)");
        long tensorCount = in.u64("tensor_count");
        long kvCount = in.u64("metadata_kv_count");
        // every kv takes at least 8 (key length) + 4 (type) + 1 bytes, every tensor info at least 8 + 4 + 4 + 8
        in.count(kvCount, 13, "metadata_kv_count");
        SequencedMap<String, GgufValue> values = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key #" + i);
            int typeId = in.u32("type of " + key);
            GgufValue v = in.value(key, typeId, 0);
            if (values.putIfAbsent(key, v) != null) throw new ModelFormatException(path, "metadata key " + key + " appears twice");
        }
        in.count(tensorCount, 24, "tensor_count");
        int alignment = DEFAULT_ALIGNMENT;
        GgufValue a = values.get("general.alignment");
        if (a != null) {
            if (a.type() != GgufType.UINT32) throw new ModelFormatException(path, "general.alignment must be UINT32, is " + a.type());
            long al = (Long) a.value();
            if (al == 0 || Long.bitCount(al) != 1 || al > (1 << 20)) throw new ModelFormatException(path, "general.alignment " + al + " is not a power of two (up to 1 MiB)");
            alignment = (int) al;
        }
        record Info(String name, long[] shape, DType type, long offset, long bytes) {
        }
        List<Info> infos = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = in.string("name of tensor #" + i);
            int dims = in.u32("n_dims of " + name);
            if (dims < 1 || dims > MAX_DIMS) throw new ModelFormatException(path, "tensor " + name + " claims " + Integer.toUnsignedString(dims) + " dimensions (1.." + MAX_DIMS + " allowed)");
            long[] shape = new long[dims];
            long numel = 1;
            for (int d = 0; d < dims; d++) {
                long ne = in.u64("dimension " + d + " of " + name);
                if (ne < 1 || ne > file.byteSize() * 256) {
                    throw new ModelFormatException(path, "tensor " + name + " has dimension " + Long.toUnsignedString(ne) + ", impossible in a file of " + file.byteSize() + " bytes");
                }
                shape[dims - 1 - d] = ne; // ggml order is the PyTorch shape reversed
                numel = Math.multiplyHigh(numel, ne) != 0 || numel * ne > file.byteSize() * 256 ? Long.MAX_VALUE : numel * ne;
            }
            int typeId = in.u32("type of " + name);
            DType type = dtype(path, name, typeId);
            long offset = in.u64("offset of " + name);
            if (shape[dims - 1] % type.blockSize() != 0) {
                throw new ModelFormatException(path, "tensor " + name + ": row of " + shape[dims - 1] + " elements is not a multiple of the " + type + " block size " + type.blockSize());
            }
            if (numel == Long.MAX_VALUE) throw new ModelFormatException(path, "tensor " + name + " " + Arrays.toString(shape) + " has more elements than the file could hold");
            if (offset % alignment != 0) throw new ModelFormatException(path, "tensor " + name + " data offset " + offset + " is not a multiple of the alignment " + alignment);
            infos.add(new Info(name, shape, type, offset, type.byteSize(numel)));
        }
        long dataStart = (in.pos + alignment - 1) / alignment * alignment;
        if (dataStart > file.byteSize() && !infos.isEmpty()) {
            throw new ModelFormatException(path, "truncated: the data section would start at " + dataStart + ", past the end of the file (" + file.byteSize() + " bytes)");
        }
        long dataSize = Math.max(0, file.byteSize() - dataStart);
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (Info t : infos) {
            if (t.offset() < 0 || t.offset() > dataSize || t.bytes() > dataSize - t.offset()) {
                throw new ModelFormatException(path, "tensor " + t.name() + " " + Arrays.toString(t.shape()) + " " + t.type() + " needs " + t.bytes()
                        + " bytes at data offset " + Long.toUnsignedString(t.offset()) + ", but the data section has " + dataSize + " (truncated or corrupt)");
            }
            if (tensors.containsKey(t.name())) throw new ModelFormatException(path, "tensor " + t.name() + " appears twice");
            tensors.put(t.name(), new Tensor(t.name(), t.type(), t.shape(), file.asSlice(dataStart + t.offset(), t.bytes())));
        }
        return new GgufFile(path, arena, file, version, values, tensors);
    }

    /** ggml's type id of a {@link DType} (for writers). */
    public static int ggmlTypeId(DType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q5_0 -> 6;
            case Q5_1 -> 7;
            case Q8_0 -> 8;
            case Q4_K -> 12;
            case Q5_K -> 13;
            case Q6_K -> 14;
            case BF16 -> 30;
        };
    }

    private static DType dtype(Path path, String tensor, int id) {
        for (DType t : DType.values()) if (ggmlTypeId(t) == id) return t;
        String known = switch (id) {
            case 4, 5 -> "retired Q4_2/Q4_3";
            case 9 -> "Q8_1";
            case 10 -> "Q2_K";
            case 11 -> "Q3_K";
            case 15 -> "Q8_K";
            default -> id >= 16 && id < 40 ? "an IQ/TQ/MXFP type" : null;
        };
        throw new ModelFormatException(path, "tensor " + tensor + " has " + (known == null ? "unknown ggml type " + Integer.toUnsignedString(id)
                : "ggml type " + id + " (" + known + "), which is not supported (supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K)"));
    }

    /** Bounded reads over the mapping: every length is checked against the bytes left before use. */
    private static final class Reader {
        final Path path;
        final MemorySegment file;
        long pos;
        /** Strict: malformed bytes are reported, then kept as Latin-1 below. One decoder, reset per string. */
        private final java.nio.charset.CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

        Reader(Path path, MemorySegment file) {
            this.path = path;
            this.file = file;
        }

        void need(long n, String field) {
            if (n < 0 || n > file.byteSize() - pos) {
                throw new ModelFormatException(path, "truncated at offset " + pos + " reading " + field + " (" + (n < 0 ? Long.toUnsignedString(n) : n)
                        + " bytes needed, " + (file.byteSize() - pos) + " left)");
            }
        }

        /** Rejects a count of items that could not fit in the rest of the file, before anything is allocated. */
        void count(long n, int minBytesEach, String field) {
            if (n < 0 || n > (file.byteSize() - pos) / minBytesEach) {
                throw new ModelFormatException(path, field + " is " + Long.toUnsignedString(n) + ", more than the " + (file.byteSize() - pos)
                        + " bytes left at offset " + pos + " can hold");
            }
        }

        int u32(String field) {
            need(4, field);
            int v = file.get(LittleEndian.INT, pos);
            pos += 4;
            return v;
        }

        long u64(String field) {
            need(8, field);
            long v = file.get(LittleEndian.LONG, pos);
            pos += 8;
            return v;
        }

        String string(String field) {
            long n = u64("length of " + field);
            need(n, field);
            if (n > Integer.MAX_VALUE - 8) throw new ModelFormatException(path, field + " claims " + n + " bytes");
            byte[] b = file.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE);
            pos += n;
            boolean ascii = true;                                // most strings (a vocabulary's 65,536 tokens): no decoder needed
            for (byte x : b) ascii &= x >= 0;
            if (ascii) return new String(b, StandardCharsets.ISO_8859_1);
            try {
                return utf8.reset().decode(ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                // token lists may hold raw bytes; keep them one char per byte rather than reject the file
                return new String(b, StandardCharsets.ISO_8859_1);
            }
        }

        GgufValue value(String key, int typeId, int depth) {
            GgufType type = GgufType.ofId(typeId);
            if (type == null) throw new ModelFormatException(path, "metadata " + key + " has unknown value type " + Integer.toUnsignedString(typeId));
            if (type != GgufType.ARRAY) return new GgufValue(type, null, scalar(key, type));
            if (depth >= MAX_ARRAY_DEPTH) throw new ModelFormatException(path, "metadata " + key + ": arrays nested deeper than " + MAX_ARRAY_DEPTH);
            int elemId = u32("element type of " + key);
            GgufType elem = GgufType.ofId(elemId);
            if (elem == null) throw new ModelFormatException(path, "metadata " + key + " is an array of unknown type " + Integer.toUnsignedString(elemId));
            long n = u64("length of " + key);
            count(n, elem.minBytes(), "length of array " + key);
            List<Object> list = new ArrayList<>((int) Math.min(n, 1 << 16));
            for (long i = 0; i < n; i++) {
                list.add(elem == GgufType.ARRAY ? value(key + "[" + i + "]", GgufType.ARRAY.id(), depth + 1) : scalar(key, elem));
            }
            return new GgufValue(GgufType.ARRAY, elem, Collections.unmodifiableList(list));
        }

        private Object scalar(String key, GgufType type) {
            if (type == GgufType.STRING) return string(key);
            need(type.minBytes(), key);
            long at = pos;
            pos += type.minBytes();
            return switch (type) {
                case UINT8 -> (long) (file.get(ValueLayout.JAVA_BYTE, at) & 0xFF);
                case INT8 -> (long) file.get(ValueLayout.JAVA_BYTE, at);
                case UINT16 -> (long) (file.get(LittleEndian.SHORT, at) & 0xFFFF);
                case INT16 -> (long) file.get(LittleEndian.SHORT, at);
                case UINT32 -> file.get(LittleEndian.INT, at) & 0xFFFF_FFFFL;
                case INT32 -> (long) file.get(LittleEndian.INT, at);
                case UINT64, INT64 -> file.get(LittleEndian.LONG, at);
                case FLOAT32 -> (double) file.get(LittleEndian.FLOAT, at);
                case FLOAT64 -> Double.longBitsToDouble(file.get(LittleEndian.LONG, at));
                case BOOL -> {
                    byte b = file.get(ValueLayout.JAVA_BYTE, at);
                    if (b != 0 && b != 1) throw new ModelFormatException(path, "metadata " + key + ": bool byte " + b + " at offset " + at);
                    yield b == 1;
                }
                default -> throw new IllegalStateException(type.toString());
            };
        }
    }

    /** The GGUF version (2 or 3). */
    public int version() {
        return version;
    }

    /** Every metadata value with its stored type, in file order. */
    public SequencedMap<String, GgufValue> values() {
        return values;
    }

    public Optional<GgufValue> value(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** A string array (e.g. {@code tokenizer.ggml.tokens}); a {@link ModelFormatException} if absent or of another type. */
    public List<String> stringArray(String key) {
        GgufValue v = array(key, GgufType.STRING);
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) v.value()) out.add((String) o);
        return out;
    }

    /** An integer array (any integer element type, e.g. {@code tokenizer.ggml.token_type}). */
    public long[] integerArray(String key) {
        GgufValue v = array(key, null);
        if (!v.elementType().isInteger()) throw new ModelFormatException(path(), "metadata " + key + " is an array of " + v.elementType() + ", not of integers");
        List<?> l = (List<?>) v.value();
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = (Long) l.get(i);
        return out;
    }

    /** A float array (FLOAT32 or FLOAT64 elements, e.g. {@code tokenizer.ggml.scores}). */
    public double[] floatArray(String key) {
        GgufValue v = array(key, null);
        if (v.elementType() != GgufType.FLOAT32 && v.elementType() != GgufType.FLOAT64) {
            throw new ModelFormatException(path(), "metadata " + key + " is an array of " + v.elementType() + ", not of floats");
        }
        List<?> l = (List<?>) v.value();
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = (Double) l.get(i);
        return out;
    }

    private GgufValue array(String key, GgufType elem) {
        GgufValue v = values.get(key);
        if (v == null) throw new ModelFormatException(path(), "missing metadata " + key);
        if (v.type() != GgufType.ARRAY || (elem != null && v.elementType() != elem)) {
            throw new ModelFormatException(path(), "metadata " + key + " is " + v.type() + (v.elementType() == null ? "" : " of " + v.elementType())
                    + ", expected an array" + (elem == null ? "" : " of " + elem));
        }
        return v;
    }


    @Override
    public String format() {
        return "gguf";
    }




}
