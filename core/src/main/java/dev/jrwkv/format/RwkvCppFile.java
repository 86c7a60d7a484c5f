package dev.jrwkv.format;

import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.LittleEndian;
import dev.jrwkv.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/**
 * rwkv.cpp's {@code .bin} format (ggml "fmgg" container, file versions 100 and 101). Header: six
 * little-endian int32 (magic, version, n_vocab, n_embed, n_layer, data type); then tensors until the
 * end of the file: dim count, name length, data type, {@code ne[]} (the PyTorch shape reversed),
 * the UTF-8 name and the data, with no padding.
 *
 * <p>Tensor names and values are rwkv.cpp's: its converter changed some of them (decay stored as
 * exponentials, v7 mixes concatenated, LoRA factors transposed); the model classes undo that.
 */
public final class RwkvCppFile extends MappedTensorStore {
    /** "fmgg" read as a little-endian int. */
    public static final int MAGIC = 0x67676D66;
    private static final int MAX_NAME = 1024;
    private static final int MAX_DIMS = 4;

    private final int version;

    private RwkvCppFile(Path path, Arena arena, MemorySegment file, int version, SequencedMap<String, Tensor> tensors, Map<String, String> metadata) {
        super(path, arena, file, tensors, metadata);
        this.version = version;
    }

    /** Maps {@code path} and reads every tensor header; data stays in the mapping. */
    public static RwkvCppFile open(Path path) {
        return map(path, RwkvCppFile::parse);
    }

    private static RwkvCppFile parse(Path path, Arena arena, MemorySegment file) {
        long size = file.byteSize();
        if (size < 24) throw new ModelFormatException(path, "truncated rwkv.cpp header (" + size + " bytes, need 24)");
        int magic = file.get(LittleEndian.INT, 0);
        if (magic != MAGIC) {
            throw new ModelFormatException(path, String.format("not an rwkv.cpp file: magic 0x%08x, expected 0x%08x (\"fmgg\")", magic, MAGIC));
        }
        int version = file.get(LittleEndian.INT, 4);
        if (version != 100 && version != 101) {
            throw new ModelFormatException(path, "unsupported rwkv.cpp file version " + version + " (supported: 100, 101)");
        }
        int nVocab = file.get(LittleEndian.INT, 8);
        int nEmbed = file.get(LittleEndian.INT, 12);
        int nLayer = file.get(LittleEndian.INT, 16);
        int dataType = file.get(LittleEndian.INT, 20);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("rwkv.cpp.version", Integer.toString(version));
        meta.put("rwkv.cpp.n_vocab", Integer.toString(nVocab));
        meta.put("rwkv.cpp.n_embed", Integer.toString(nEmbed));
        meta.put("rwkv.cpp.n_layer", Integer.toString(nLayer));
        meta.put("rwkv.cpp.data_type", Integer.toString(dataType));

        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        long pos = 24;
        while (pos < size) {
            if (size - pos < 12) throw new ModelFormatException(path, "truncated tensor header at offset " + pos);
            int dims = file.get(LittleEndian.INT, pos);
            int nameLength = file.get(LittleEndian.INT, pos + 4);
            int typeId = file.get(LittleEndian.INT, pos + 8);
            pos += 12;
            if (dims < 1 || dims > MAX_DIMS) {
                throw new ModelFormatException(path, "tensor header at offset " + (pos - 12) + " claims " + dims + " dimensions (1.." + MAX_DIMS + " allowed)");
            }
            if (nameLength < 1 || nameLength > MAX_NAME) {
                throw new ModelFormatException(path, "tensor header at offset " + (pos - 12) + " claims a name of " + nameLength + " bytes");
            }
            DType type = dtype(path, typeId, pos - 12);
            if (type.isQuantized() && version < 101) {
                throw new ModelFormatException(path, "quantized tensor (" + type + ") in a version " + version + " file: re-quantize it with a current rwkv.cpp");
            }
            if (size - pos < 4L * dims + nameLength) throw new ModelFormatException(path, "truncated tensor header at offset " + (pos - 12));
            long[] shape = new long[dims];
            long numel = 1;
            long limit = size * type.blockSize();
            for (int d = 0; d < dims; d++) {
                int ne = file.get(LittleEndian.INT, pos + 4L * d);
                if (ne < 1) throw new ModelFormatException(path, "tensor header at offset " + (pos - 12) + " has dimension " + ne);
                shape[dims - 1 - d] = ne; // ggml order is the PyTorch shape reversed
                // saturate: more elements than the file could hold is rejected below, before any allocation
                numel = (Math.multiplyHigh(numel, ne) != 0 || numel * ne > limit) ? Long.MAX_VALUE : numel * ne;
            }
            pos += 4L * dims;
            String name = utf8(path, file.asSlice(pos, nameLength).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), pos);
            pos += nameLength;
            if (shape[dims - 1] % type.blockSize() != 0) {
                throw new ModelFormatException(path, "tensor " + name + ": row of " + shape[dims - 1] + " elements is not a multiple of the " + type + " block size " + type.blockSize());
            }
            long bytes = numel == Long.MAX_VALUE ? -1 : type.byteSize(numel);
            if (bytes < 0 || bytes > size - pos) {
                throw new ModelFormatException(path, "tensor " + name + " " + java.util.Arrays.toString(shape) + " " + type
                        + " needs " + (bytes < 0 ? "more" : Long.toString(bytes)) + " bytes at offset " + pos + ", but the file has " + (size - pos) + " left (truncated or corrupt)");
            }
            if (tensors.containsKey(name)) throw new ModelFormatException(path, "tensor " + name + " appears twice");
            tensors.put(name, new Tensor(name, type, shape, file.asSlice(pos, bytes)));
            pos += bytes;
        }
        if (tensors.isEmpty()) throw new ModelFormatException(path, "holds no tensors");
        return new RwkvCppFile(path, arena, file, version, Collections.unmodifiableSequencedMap(tensors), Collections.unmodifiableMap(meta));
    }

    private static DType dtype(Path path, int id, long at) {
        return switch (id) {
            case 0 -> DType.F32;
            case 1 -> DType.F16;
            case 2 -> DType.Q4_0;
            case 3 -> DType.Q4_1;
            case 7 -> DType.Q5_0;
            case 8 -> DType.Q5_1;
            case 9 -> DType.Q8_0;
            case 4, 5, 6 -> throw new ModelFormatException(path, "tensor at offset " + at + " uses the retired data type " + id + " (Q4_1_O/Q4_2/Q4_3)");
            default -> throw new ModelFormatException(path, "tensor at offset " + at + " has unknown data type " + id);
        };
    }

    /** rwkv.cpp's data type id of a {@link DType}, for writers. */
    public static int typeId(DType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q5_0 -> 7;
            case Q5_1 -> 8;
            case Q8_0 -> 9;
            case BF16, Q4_K, Q5_K, Q6_K -> throw new IllegalArgumentException("rwkv.cpp files cannot hold " + type);
        };
    }

    private static String utf8(Path path, byte[] bytes, long at) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(path, "tensor name at offset " + at + " is not valid UTF-8");
        }
    }

    /** The file version (100 or 101). */
    public int version() {
        return version;
    }


    @Override
    public String format() {
        return "rwkv.cpp";
    }




}
