package dev.jrwkv.format;

import dev.jrwkv.format.RestrictedUnpickler.Global;
import dev.jrwkv.format.RestrictedUnpickler.TensorCall;
import dev.jrwkv.format.RestrictedUnpickler.Tuple;
import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * A state dict written by {@code torch.save} (the zip format of torch 1.6 and later), as released
 * for the official RWKV models. The archive holds, under one top folder of any name,
 * {@code data.pkl} (the pickled {@code OrderedDict}), {@code byteorder} and one STORED entry
 * {@code data/<key>} per storage. The file is memory-mapped; each tensor is a slice of its storage
 * entry, never a copy. The pickle is read by {@link RestrictedUnpickler}: nothing in it is executed.
 *
 * <p>Tensors must be float32, float16 or bfloat16 and contiguous (C order); a tensor stored as a
 * strided view (e.g. a saved transpose) is reported by name rather than copied.
 *
 * <pre>{@code
 * try (PyTorchFile f = PyTorchFile.open(Path.of("RWKV-x070-World-0.1B.pth"))) {
 *     Tensor key = f.get("blocks.0.att.key.weight"); // BF16 [C, C]
 * }
 * }</pre>
 */
public final class PyTorchFile extends MappedTensorStore {
    private static final int MAX_DIMS = 8;
    private static final long MAX_SMALL_ENTRY = 64;

    /** A storage as a persistent id names it: {@code ('storage', torch.XStorage, key, location, numel)}. */
    private record StorageRef(Global type, String key, long numel) {
    }


    private PyTorchFile(Path path, Arena arena, MemorySegment file, SequencedMap<String, Tensor> tensors, Map<String, String> metadata) {
        super(path, arena, file, tensors, metadata);
    }

    /** Maps {@code path}, reads its zip directory and pickle; tensor data stays in the mapping. */
    public static PyTorchFile open(Path path) {
        return map(path, PyTorchFile::parse);
    }

    private static PyTorchFile parse(Path path, Arena arena, MemorySegment file) {
        ZipArchive zip = ZipArchive.read(path, file);
        String prefix = archivePrefix(path, zip);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("pytorch.archive", prefix.substring(0, prefix.length() - 1));
        String byteorder = smallText(path, zip, prefix + "byteorder");
        if (byteorder != null) {
            if (!byteorder.equals("little")) throw new ModelFormatException(path, "byteorder is '" + byteorder + "': only little-endian checkpoints are supported");
            meta.put("pytorch.byteorder", byteorder);
        }
        String version = smallText(path, zip, prefix + "version");
        if (version != null) meta.put("pytorch.version", version);

        String pickleName = prefix + "data.pkl";
        MemorySegment pickle = zip.storedData(zip.find(pickleName).orElseThrow());
        Map<String, StorageRef> storages = new HashMap<>();
        Object root = RestrictedUnpickler.load(path, pickleName, pickle, pid -> storage(path, pickleName, pid, storages));
        if (!(root instanceof Map<?, ?> dict)) {
            throw new ModelFormatException(path, pickleName + " holds a " + RestrictedUnpickler.describe(root) + ", not a state dict");
        }

        Map<String, MemorySegment> storageData = new HashMap<>();
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new ModelFormatException(path, "state dict key " + RestrictedUnpickler.describe(e.getKey()) + " is not a string");
            }
            if (!(e.getValue() instanceof TensorCall call)) {
                throw new ModelFormatException(path, "state dict entry " + name + " is a " + RestrictedUnpickler.describe(e.getValue()) + ", not a tensor");
            }
            tensors.put(name, tensor(path, zip, prefix, name, call, storageData));
        }
        if (tensors.isEmpty()) throw new ModelFormatException(path, "state dict holds no tensors");
        return new PyTorchFile(path, arena, file, Collections.unmodifiableSequencedMap(tensors), Collections.unmodifiableMap(meta));
    }

    /** The one top folder ("name/") that holds data.pkl; torch.save puts every record under it. */
    private static String archivePrefix(Path path, ZipArchive zip) {
        List<String> found = new ArrayList<>();
        for (String name : zip.entries().keySet()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) found.add(name.substring(0, slash + 1));
        }
        if (found.isEmpty()) {
            throw new ModelFormatException(path, "zip archive without <folder>/data.pkl: not a torch.save checkpoint");
        }
        if (found.size() > 1) throw new ModelFormatException(path, "zip archive holds several checkpoints: " + found);
        return found.getFirst();
    }

    private static String smallText(Path path, ZipArchive zip, String name) {
        Optional<ZipArchive.Entry> entry = zip.find(name);
        if (entry.isEmpty()) return null;
        if (entry.get().size() > MAX_SMALL_ENTRY) throw new ModelFormatException(path, name + " holds " + entry.get().size() + " bytes (expected a short text)");
        return new String(zip.storedData(entry.get()).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII).strip();
    }

    private static Object storage(Path path, String part, Object pid, Map<String, StorageRef> seen) {
        if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw new ModelFormatException(path, part + ": persistent id " + RestrictedUnpickler.describe(pid)
                    + " is not ('storage', type, key, location, numel)");
        }
        if (!(t.get(1) instanceof Global type) || !type.module().equals("torch") || !type.name().endsWith("Storage")) {
            throw new ModelFormatException(path, part + ": storage type " + RestrictedUnpickler.describe(t.get(1)) + " is not a torch storage type");
        }
        if (!(t.get(2) instanceof String key) || key.isEmpty() || !key.chars().allMatch(c -> c < 128 && Character.isLetterOrDigit(c) || c == '_')) {
            throw new ModelFormatException(path, part + ": storage key " + RestrictedUnpickler.describe(t.get(2)) + " is not a plain name");
        }
        if (!(t.get(4) instanceof Long numel) || numel < 0) {
            throw new ModelFormatException(path, part + ": storage " + key + " has element count " + RestrictedUnpickler.describe(t.get(4)));
        }
        StorageRef ref = new StorageRef(type, key, numel);
        StorageRef before = seen.putIfAbsent(key, ref);
        if (before != null && !before.equals(ref)) {
            throw new ModelFormatException(path, part + ": storage " + key + " is described twice, differently (" + before + ", " + ref + ")");
        }
        return ref;
    }

    private static Tensor tensor(Path path, ZipArchive zip, String prefix, String name, TensorCall call, Map<String, MemorySegment> storageData) {
        if (!(call.storage() instanceof StorageRef storage)) {
            throw new ModelFormatException(path, "tensor " + name + ": storage is a " + RestrictedUnpickler.describe(call.storage()) + ", not a persistent storage");
        }
        DType type = switch (storage.type().name()) {
            case "FloatStorage" -> DType.F32;
            case "HalfStorage" -> DType.F16;
            case "BFloat16Storage" -> DType.BF16;
            default -> throw new ModelFormatException(path, "tensor " + name + " has unsupported type torch." + storage.type().name()
                    + " (supported: FloatStorage, HalfStorage, BFloat16Storage)");
        };
        long itemSize = type.blockBytes();
        long[] shape = longs(path, name, "size", call.size());
        long[] stride = longs(path, name, "stride", call.stride());
        if (stride.length != shape.length) {
            throw new ModelFormatException(path, "tensor " + name + ": size " + Arrays.toString(shape) + " and stride " + Arrays.toString(stride) + " differ in rank");
        }
        if (!(call.storageOffset() instanceof Long offset) || offset < 0) {
            throw new ModelFormatException(path, "tensor " + name + ": storage offset " + RestrictedUnpickler.describe(call.storageOffset()));
        }
        long numel = 1;
        for (long d : shape) numel = Math.multiplyHigh(numel, d) != 0 || numel * d > storage.numel() ? Long.MAX_VALUE : numel * d;
        if (numel > storage.numel() - offset) {
            throw new ModelFormatException(path, "tensor " + name + " " + Arrays.toString(shape) + " at element offset " + offset
                    + " does not fit in its storage " + storage.key() + " of " + storage.numel() + " elements");
        }
        // C order: stride[i] = product of size[i+1..]; axes of size 1 may carry any stride (torch agrees)
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && numel != 0 && stride[i] != expected) {
                throw new ModelFormatException(path, "tensor " + name + " is not contiguous (size " + Arrays.toString(shape) + ", stride "
                        + Arrays.toString(stride) + "): save it with .contiguous()");
            }
            expected *= shape[i];
        }
        MemorySegment bytes = storageData.get(storage.key());
        if (bytes == null) {
            String entryName = prefix + "data/" + storage.key();
            ZipArchive.Entry entry = zip.find(entryName).orElseThrow(() ->
                    new ModelFormatException(path, "tensor " + name + ": storage entry " + entryName + " is missing"));
            bytes = zip.storedData(entry);
            if (storage.numel() > Long.MAX_VALUE / itemSize || bytes.byteSize() != storage.numel() * itemSize) {
                throw new ModelFormatException(path, "storage " + entryName + " holds " + bytes.byteSize() + " bytes, but the pickle claims "
                        + storage.numel() + " elements of " + itemSize + " bytes");
            }
            storageData.put(storage.key(), bytes);
        }
        try {
            return new Tensor(name, type, shape, bytes.asSlice(offset * itemSize, numel * itemSize));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(path, "tensor " + name + ": " + e.getMessage(), e);
        }
    }

    private static long[] longs(Path path, String name, String what, Object value) {
        if (!(value instanceof Tuple t) || t.size() > MAX_DIMS) {
            throw new ModelFormatException(path, "tensor " + name + ": " + what + " is a " + RestrictedUnpickler.describe(value) + " (expected a tuple of at most " + MAX_DIMS + " ints)");
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long v) || v < 0) {
                throw new ModelFormatException(path, "tensor " + name + ": " + what + "[" + i + "] is " + RestrictedUnpickler.describe(t.get(i)));
            }
            out[i] = v;
        }
        return out;
    }


    @Override
    public String format() {
        return "pytorch";
    }




}
