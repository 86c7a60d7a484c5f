package dev.jrwkv.format;

import dev.jrwkv.tensor.LittleEndian;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * The central directory of a ZIP archive (ZIP64 included) over a memory-mapped file, just enough to
 * find the STORED entries that {@code torch.save} writes and hand out their bytes as slices of the
 * mapping. Every offset and length read from the file is checked against the file before use.
 *
 * <pre>{@code
 * ZipArchive zip = ZipArchive.read(path, mapped);
 * MemorySegment pickle = zip.storedData(zip.get("archive/data.pkl"));
 * }</pre>
 */
final class ZipArchive {
    private static final int EOCD_SIG = 0x06054b50;
    private static final int EOCD_SIZE = 22;
    private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
    private static final int ZIP64_LOCATOR_SIZE = 20;
    private static final int ZIP64_EOCD_SIG = 0x06064b50;
    private static final int ZIP64_EOCD_SIZE = 56;
    private static final int CENTRAL_SIG = 0x02014b50;
    private static final int CENTRAL_SIZE = 46;
    private static final int LOCAL_SIG = 0x04034b50;
    private static final int LOCAL_SIZE = 30;
    private static final int ZIP64_EXTRA_ID = 0x0001;
    private static final long U32_MAX = 0xFFFF_FFFFL;
    static final int STORED = 0;

    /** One central-directory record. */
    record Entry(String name, int flags, int method, long compressedSize, long size, long localHeaderOffset) {
    }

    private final Path path;
    private final MemorySegment file;
    private final long centralDirectoryOffset;
    private final SequencedMap<String, Entry> entries;

    private ZipArchive(Path path, MemorySegment file, long centralDirectoryOffset, SequencedMap<String, Entry> entries) {
        this.path = path;
        this.file = file;
        this.centralDirectoryOffset = centralDirectoryOffset;
        this.entries = entries;
    }

    /** Reads the central directory of {@code file} (the whole mapped archive). */
    static ZipArchive read(Path path, MemorySegment file) {
        long size = file.byteSize();
        long eocd = findEndOfCentralDirectory(path, file);
        long count = u16(file, eocd + 10);
        long cdSize = u32(file, eocd + 12);
        long cdOffset = u32(file, eocd + 16);
        long cdEnd = eocd; // the central directory must end where the trailer records begin
        if (eocd >= ZIP64_LOCATOR_SIZE && file.get(LittleEndian.INT, eocd - ZIP64_LOCATOR_SIZE) == ZIP64_LOCATOR_SIG) {
            long locator = eocd - ZIP64_LOCATOR_SIZE;
            long z = u64(path, file, locator + 8, "ZIP64 end-of-central-directory offset");
            if (z > locator - ZIP64_EOCD_SIZE || z < 0) {
                throw new ModelFormatException(path, "ZIP64 locator points to offset " + z + ", outside the file (size " + size + ")");
            }
            if (file.get(LittleEndian.INT, z) != ZIP64_EOCD_SIG) {
                throw new ModelFormatException(path, "no ZIP64 end-of-central-directory record at offset " + z);
            }
            // torch.save always writes the ZIP64 records; the classic fields must be saturated or agree with them
            count = zip64Value(path, count, 0xFFFF, u64(path, file, z + 32, "ZIP64 entry count"), "entry count");
            cdSize = zip64Value(path, cdSize, U32_MAX, u64(path, file, z + 40, "ZIP64 central directory size"), "central directory size");
            cdOffset = zip64Value(path, cdOffset, U32_MAX, u64(path, file, z + 48, "ZIP64 central directory offset"), "central directory offset");
            cdEnd = z;
        }
        if (cdOffset > cdEnd || cdSize > cdEnd - cdOffset) {
            throw new ModelFormatException(path, "zip central directory (offset " + cdOffset + ", " + cdSize
                    + " bytes) lies outside the file (central directory must end by offset " + cdEnd + ", file size " + size + ")");
        }
        if (count > cdSize / CENTRAL_SIZE) {
            throw new ModelFormatException(path, "zip claims " + count + " entries, but its central directory of " + cdSize + " bytes holds at most " + cdSize / CENTRAL_SIZE);
        }
        SequencedMap<String, Entry> entries = new LinkedHashMap<>();
        long pos = cdOffset;
        long end = cdOffset + cdSize;
        for (long i = 0; i < count; i++) {
            if (end - pos < CENTRAL_SIZE || file.get(LittleEndian.INT, pos) != CENTRAL_SIG) {
                throw new ModelFormatException(path, "zip central directory entry " + i + " at offset " + pos + " is missing or corrupt");
            }
            int flags = u16(file, pos + 8);
            int method = u16(file, pos + 10);
            long compressed = u32(file, pos + 20);
            long uncompressed = u32(file, pos + 24);
            int nameLength = u16(file, pos + 28);
            int extraLength = u16(file, pos + 30);
            int commentLength = u16(file, pos + 32);
            int disk = u16(file, pos + 34);
            long local = u32(file, pos + 42);
            long variable = (long) nameLength + extraLength + commentLength;
            if (end - pos - CENTRAL_SIZE < variable) {
                throw new ModelFormatException(path, "zip central directory entry " + i + " at offset " + pos + " runs past the central directory");
            }
            String name = new String(file.asSlice(pos + CENTRAL_SIZE, nameLength).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            // ZIP64 extra field: the 8-byte values, in this order, of exactly the fields saturated above
            long extra = pos + CENTRAL_SIZE + nameLength;
            long extraEnd = extra + extraLength;
            while (extraEnd - extra >= 4) {
                int id = u16(file, extra);
                int length = u16(file, extra + 2);
                if (length > extraEnd - extra - 4) {
                    throw new ModelFormatException(path, "zip entry " + name + ": extra field runs past its record");
                }
                if (id == ZIP64_EXTRA_ID) {
                    long p = extra + 4;
                    long stop = p + length;
                    if (uncompressed == U32_MAX) { uncompressed = zip64Field(path, file, p, stop, name, "size"); p += 8; }
                    if (compressed == U32_MAX) { compressed = zip64Field(path, file, p, stop, name, "compressed size"); p += 8; }
                    if (local == U32_MAX) { local = zip64Field(path, file, p, stop, name, "local header offset"); p += 8; }
                    if (disk == 0xFFFF) { if (stop - p < 4) throw new ModelFormatException(path, "zip entry " + name + ": ZIP64 extra field too short"); disk = file.get(LittleEndian.INT, p); }
                }
                extra += 4L + length;
            }
            if (disk != 0) throw new ModelFormatException(path, "zip entry " + name + " is on disk " + disk + ": multi-part archives are not supported");
            if (local > cdOffset || compressed > cdOffset - local) {
                throw new ModelFormatException(path, "zip entry " + name + " claims " + compressed + " bytes at offset " + local
                        + ", outside the entry data area (which ends at offset " + cdOffset + ")");
            }
            if (entries.putIfAbsent(name, new Entry(name, flags, method, compressed, uncompressed, local)) != null) {
                throw new ModelFormatException(path, "zip entry " + name + " appears twice");
            }
            pos += CENTRAL_SIZE + variable;
        }
        return new ZipArchive(path, file, cdOffset, Collections.unmodifiableSequencedMap(entries));
    }

    private static long findEndOfCentralDirectory(Path path, MemorySegment file) {
        long size = file.byteSize();
        if (size < EOCD_SIZE) throw new ModelFormatException(path, "truncated zip: " + size + " bytes, no end-of-central-directory record");
        long lowest = Math.max(0, size - EOCD_SIZE - 0xFFFF); // the trailer is followed by at most a 64 KiB comment
        for (long p = size - EOCD_SIZE; p >= lowest; p--) {
            if (file.get(LittleEndian.INT, p) == EOCD_SIG && p + EOCD_SIZE + u16(file, p + 20) == size) return p;
        }
        throw new ModelFormatException(path, "zip end-of-central-directory record not found (file truncated or not a zip)");
    }

    private static long zip64Value(Path path, long classic, long saturated, long zip64, String what) {
        if (classic != saturated && classic != zip64) {
            throw new ModelFormatException(path, "zip end records disagree on the " + what + " (" + classic + " vs ZIP64 " + zip64 + ")");
        }
        return zip64;
    }

    private static long zip64Field(Path path, MemorySegment file, long p, long stop, String name, String what) {
        if (stop - p < 8) throw new ModelFormatException(path, "zip entry " + name + ": ZIP64 extra field lacks the " + what);
        return u64(path, file, p, "ZIP64 " + what + " of " + name);
    }

    /** Entries by name, in central-directory order. */
    SequencedMap<String, Entry> entries() {
        return entries;
    }

    Optional<Entry> find(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /** The bytes of a STORED entry: a slice of the mapping, after its local header. */
    MemorySegment storedData(Entry e) {
        if ((e.flags() & 1) != 0) throw new ModelFormatException(path, "zip entry " + e.name() + " is encrypted");
        if (e.method() != STORED) {
            throw new ModelFormatException(path, "zip entry " + e.name() + " is compressed (method " + e.method()
                    + "); torch.save writes stored (uncompressed) entries, which can be memory-mapped");
        }
        if (e.compressedSize() != e.size()) {
            throw new ModelFormatException(path, "zip entry " + e.name() + " is stored but claims " + e.compressedSize() + " bytes stored for " + e.size());
        }
        long local = e.localHeaderOffset();
        if (centralDirectoryOffset - local < LOCAL_SIZE || file.get(LittleEndian.INT, local) != LOCAL_SIG) {
            throw new ModelFormatException(path, "zip entry " + e.name() + ": no local header at offset " + local);
        }
        long data = local + LOCAL_SIZE + u16(file, local + 26) + u16(file, local + 28);
        if (data > centralDirectoryOffset || e.size() > centralDirectoryOffset - data) {
            throw new ModelFormatException(path, "zip entry " + e.name() + ": " + e.size() + " bytes at offset " + data + " run past the entry data area (ends at " + centralDirectoryOffset + ")");
        }
        return file.asSlice(data, e.size());
    }

    private static int u16(MemorySegment file, long at) {
        return Short.toUnsignedInt(file.get(LittleEndian.SHORT, at));
    }

    private static long u32(MemorySegment file, long at) {
        return Integer.toUnsignedLong(file.get(LittleEndian.INT, at));
    }

    private static long u64(Path path, MemorySegment file, long at, String what) {
        long v = file.get(LittleEndian.LONG, at);
        if (v < 0) throw new ModelFormatException(path, what + " is absurd (" + Long.toUnsignedString(v) + ")");
        return v;
    }
}
