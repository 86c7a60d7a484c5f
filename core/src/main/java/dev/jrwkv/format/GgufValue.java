package dev.jrwkv.format;

import java.util.List;

/**
 * One GGUF metadata value with its stored type. Integers are held as {@code Long} (a UINT64 above
 * {@code Long.MAX_VALUE} reads as negative), FLOAT32/FLOAT64 as {@code Double}, BOOL as {@code Boolean},
 * STRING as {@code String}, ARRAY as a {@code List} of such values all of {@code elementType}.
 *
 * <pre>{@code
 * GgufValue n = GgufValue.u32(12);
 * GgufValue tokens = GgufValue.strings(List.of("<s>", "a"));
 * }</pre>
 *
 * @param type        the stored type
 * @param elementType for arrays, the element type; otherwise null
 * @param value       the value as described above
 */
public record GgufValue(GgufType type, GgufType elementType, Object value) {

    public static GgufValue u32(long v) {
        if (v < 0 || v > 0xFFFF_FFFFL) throw new IllegalArgumentException("not a u32: " + v);
        return new GgufValue(GgufType.UINT32, null, v);
    }

    public static GgufValue i32(long v) {
        return new GgufValue(GgufType.INT32, null, (long) Math.toIntExact(v));
    }

    public static GgufValue u64(long v) {
        return new GgufValue(GgufType.UINT64, null, v);
    }

    public static GgufValue f32(double v) {
        return new GgufValue(GgufType.FLOAT32, null, (double) (float) v);
    }

    public static GgufValue bool(boolean v) {
        return new GgufValue(GgufType.BOOL, null, v);
    }

    public static GgufValue string(String v) {
        return new GgufValue(GgufType.STRING, null, v);
    }

    public static GgufValue strings(List<String> v) {
        return new GgufValue(GgufType.ARRAY, GgufType.STRING, List.copyOf(v));
    }

    /** An array of INT32 values (e.g. {@code tokenizer.ggml.token_type}). */
    public static GgufValue i32s(int... v) {
        Long[] boxed = new Long[v.length];
        for (int i = 0; i < v.length; i++) boxed[i] = (long) v[i];
        return new GgufValue(GgufType.ARRAY, GgufType.INT32, List.of(boxed));
    }

    /** The value as text: numbers in decimal, arrays as {@code [n items]}. */
    @Override
    public String toString() {
        if (type == GgufType.ARRAY) return "[" + ((List<?>) value).size() + " " + elementType + "]";
        if (type == GgufType.UINT64 && (Long) value < 0) return Long.toUnsignedString((Long) value);
        if (type == GgufType.FLOAT32) return Float.toString(((Double) value).floatValue());
        return String.valueOf(value);
    }
}
