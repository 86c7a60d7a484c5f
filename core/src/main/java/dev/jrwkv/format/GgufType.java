package dev.jrwkv.format;

/** The value types of GGUF metadata, with their ids in the file. */
public enum GgufType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    /** u64 length + UTF-8 bytes. */
    STRING(8, 8),
    /** u32 element type, u64 count, elements. */
    ARRAY(9, 12),
    UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int minBytes;

    GgufType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    public int id() {
        return id;
    }

    /** The fewest bytes one value of this type takes in a file (for bounding counts before allocating). */
    int minBytes() {
        return minBytes;
    }

    /** The type with file id {@code id}, or null. */
    static GgufType ofId(int id) {
        for (GgufType t : values()) if (t.id == id) return t;
        return null;
    }

    boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }
}
