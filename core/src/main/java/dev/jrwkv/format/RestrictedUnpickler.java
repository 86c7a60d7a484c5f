package dev.jrwkv.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads the pickle that {@code torch.save} writes for a state dict ({@code data.pkl}) into plain
 * data, without running anything. It knows the opcodes such pickles use (protocols 2 to 4) and a
 * hard allowlist of Python globals; any other global ({@code os.system}, {@code builtins.eval}, ...)
 * is refused with a {@link ModelFormatException} the moment the pickle names it, before anything
 * could be called. Allowed "calls" are not executed either: they become records.
 *
 * <ul>
 *   <li>{@code collections.OrderedDict()} becomes an empty {@link LinkedHashMap} (state set by BUILD,
 *       such as {@code _metadata}, is dropped);</li>
 *   <li>{@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)} becomes a
 *       {@link TensorCall}; {@code torch._utils._rebuild_parameter(tensor, ...)} gives back its tensor;</li>
 *   <li>{@code torch.FloatStorage} and the other storage types are {@link Global} markers that only
 *       persistent ids refer to; persistent ids go to the caller's loader.</li>
 * </ul>
 * Python ints become {@link Long}, str {@link String}, tuples {@link Tuple}, lists {@link ArrayList},
 * dicts {@link LinkedHashMap}, None {@link #NONE}.
 *
 * <pre>{@code
 * Object root = RestrictedUnpickler.load(path, "data.pkl", pickleBytes, pid -> pid);
 * }</pre>
 */
final class RestrictedUnpickler {
    /** Python's None. */
    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    static final String ORDERED_DICT = "collections.OrderedDict";
    static final String REBUILD_TENSOR_V2 = "torch._utils._rebuild_tensor_v2";
    static final String REBUILD_PARAMETER = "torch._utils._rebuild_parameter";
    /** Everything a data.pkl may name. Storage types are data markers only; which dtypes a reader supports is its business. */
    static final Set<String> ALLOWED_GLOBALS = Set.of(ORDERED_DICT, REBUILD_TENSOR_V2, REBUILD_PARAMETER,
            "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.DoubleStorage",
            "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage",
            "torch.ByteStorage", "torch.BoolStorage");

    private static final int MAX_STACK = 1 << 20;
    private static final int MAX_MARKS = 4096;
    private static final int MAX_MEMO = 1 << 22;
    private static final int MAX_GLOBAL_NAME = 256;
    private static final long MAX_STRING = 1 << 26;

    /** An allowed Python global, e.g. {@code torch.BFloat16Storage}. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }

        @Override
        public String toString() {
            return qualified();
        }
    }

    /** A Python tuple. */
    record Tuple(List<Object> items) {
        Tuple {
            items = List.copyOf(items);
        }

        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }
    }

    /** What {@code _rebuild_tensor_v2(storage, storageOffset, size, stride, ...)} asked for; nothing is built. */
    record TensorCall(Object storage, Object storageOffset, Object size, Object stride) {
    }

    /** A mark on the stack (MARK opcode). */
    private static final Object MARK_OBJECT = new Object();

    private final Path path;
    private final String part;
    private final MemorySegment data;
    private final Function<Object, Object> persistentLoad;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private long pos;
    private long opAt;

    private RestrictedUnpickler(Path path, String part, MemorySegment data, Function<Object, Object> persistentLoad) {
        this.path = path;
        this.part = part;
        this.data = data;
        this.persistentLoad = persistentLoad;
    }

    /**
     * Reads the pickle in {@code data}. {@code part} names it in messages (e.g. {@code archive/data.pkl});
     * {@code persistentLoad} turns each persistent id into a value (it may throw {@link ModelFormatException}).
     */
    static Object load(Path path, String part, MemorySegment data, Function<Object, Object> persistentLoad) {
        return new RestrictedUnpickler(path, part, data, persistentLoad).run();
    }

    private Object run() {
        while (true) {
            if (pos >= data.byteSize()) throw error("ends at byte " + pos + " without a STOP opcode (truncated?)");
            opAt = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v < 2 || v > 5) throw error("pickle protocol " + v + " is not supported (2..5)");
                }
                case 0x95 -> { // FRAME: a length hint only
                    long n = data.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), need(8));
                    if (n < 0 || n > data.byteSize() - pos) throw error("FRAME of " + Long.toUnsignedString(n) + " bytes runs past the end");
                }
                case '.' -> { // STOP
                    if (stack.isEmpty() || !marks.isEmpty()) throw error("STOP with " + stack.size() + " values and " + marks.size() + " open marks");
                    return pop();
                }
                case '(' -> {
                    if (marks.size() >= MAX_MARKS) throw error("more than " + MAX_MARKS + " nested MARKs");
                    marks.add(stack.size());
                }
                case '}' -> push(new LinkedHashMap<>());
                case ']' -> push(new ArrayList<>());
                case ')' -> push(new Tuple(List.of()));
                case 'q' -> memoPut(u8());
                case 'r' -> memoPut(u32());
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'h' -> memoGet(u8());
                case 'j' -> memoGet(u32());
                case 'J' -> push((long) data.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), need(4)));
                case 'K' -> push((long) u8());
                case 'M' -> push((long) Short.toUnsignedInt(data.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), need(2))));
                case 0x8a -> push(long1());
                case 'G' -> push(data.get(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), need(8)));
                case 'X' -> push(utf8(u32()));
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> { // BINUNICODE8
                    long n = data.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), need(8));
                    push(utf8(n < 0 ? Long.MAX_VALUE : n));
                }
                case 't' -> push(new Tuple(popToMark()));
                case 0x85 -> push(new Tuple(popN(1)));
                case 0x86 -> push(new Tuple(popN(2)));
                case 0x87 -> push(new Tuple(popN(3)));
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'N' -> push(NONE);
                case 'c' -> { // GLOBAL: "module\nname\n"
                    String module = line();
                    String name = line();
                    push(global(module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) throw error("STACK_GLOBAL needs two strings");
                    push(global(m, n));
                }
                case 'R' -> {
                    Object args = pop();
                    Object callable = pop();
                    push(reduce(callable, args));
                }
                case 'Q' -> push(persistentLoad.apply(pop())); // BINPERSID
                case 's' -> {
                    Object value = pop();
                    Object key = pop();
                    dict(peek()).put(key(key), value);
                }
                case 'u' -> {
                    List<Object> items = popToMark();
                    if (items.size() % 2 != 0) throw error("SETITEMS with an odd number of values");
                    Map<Object, Object> d = dict(peek());
                    for (int i = 0; i < items.size(); i += 2) d.put(key(items.get(i)), items.get(i + 1));
                }
                case 'a' -> {
                    Object value = pop();
                    list(peek()).add(value);
                }
                case 'e' -> {
                    List<Object> items = popToMark();
                    list(peek()).addAll(items);
                }
                case 'b' -> { // BUILD: sets object state; only plain containers are accepted and the state is dropped
                    Object state = pop();
                    Object target = peek();
                    if (!(target instanceof Map<?, ?>)) throw error("BUILD on a " + describe(target) + " is not supported");
                    if (!(state instanceof Map<?, ?>) && state != NONE && !(state instanceof Tuple)) {
                        throw error("BUILD with state " + describe(state) + " is not supported");
                    }
                }
                default -> throw error(String.format("unsupported pickle opcode 0x%02x%s at byte %d", op, opcodeName(op), opAt));
            }
        }
    }

    private Object global(String module, String name) {
        String qualified = module + "." + name;
        if (!ALLOWED_GLOBALS.contains(qualified)) {
            throw error("refuses the Python global " + qualified + " at byte " + opAt
                    + " (a state dict needs only " + ORDERED_DICT + ", " + REBUILD_TENSOR_V2 + " and torch storage types;"
                    + " this file may try to run code, do not load it with torch.load either)");
        }
        return new Global(module, name);
    }

    private Object reduce(Object callable, Object args) {
        if (!(callable instanceof Global g)) throw error("REDUCE calls a " + describe(callable) + ", not an allowed global");
        if (!(args instanceof Tuple t)) throw error("REDUCE of " + g + " with arguments " + describe(args) + " instead of a tuple");
        return switch (g.qualified()) {
            case ORDERED_DICT -> {
                if (t.size() != 0) throw error(ORDERED_DICT + " called with " + t.size() + " arguments (expected none)");
                yield new LinkedHashMap<>();
            }
            case REBUILD_TENSOR_V2 -> {
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                if (t.size() < 4 || t.size() > 7) throw error(REBUILD_TENSOR_V2 + " called with " + t.size() + " arguments (expected 6 or 7)");
                yield new TensorCall(t.get(0), t.get(1), t.get(2), t.get(3));
            }
            case REBUILD_PARAMETER -> {
                if (t.size() < 1 || !(t.get(0) instanceof TensorCall tensor)) throw error(REBUILD_PARAMETER + " called without a tensor");
                yield tensor;
            }
            default -> throw error(g + " cannot be called");
        };
    }

    private ModelFormatException error(String problem) {
        return new ModelFormatException(path, part + ": " + problem + (problem.contains(" at byte ") ? "" : " (opcode at byte " + opAt + ")"));
    }

    private long need(long n) {
        if (data.byteSize() - pos < n) throw error("truncated: opcode at byte " + opAt + " needs " + n + " more bytes");
        long at = pos;
        pos += n;
        return at;
    }

    private int u8() {
        return Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, need(1)));
    }

    private long u32() {
        return Integer.toUnsignedLong(data.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), need(4)));
    }

    private long long1() {
        int n = u8();
        if (n > 8) throw error("LONG1 integer of " + n + " bytes is too large");
        long at = need(n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) v = (v << 8) | Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, at + i));
        if (n > 0 && n < 8 && (data.get(ValueLayout.JAVA_BYTE, at + n - 1) < 0)) v -= 1L << (8 * n); // two's complement
        return v;
    }

    private String utf8(long n) {
        if (n > data.byteSize() - pos) throw error("string of " + n + " bytes at byte " + opAt + " runs past the end of the pickle");
        if (n > MAX_STRING) throw error("string of " + n + " bytes at byte " + opAt + " is longer than the " + MAX_STRING + " allowed");
        byte[] bytes = data.asSlice(need(n), n).toArray(ValueLayout.JAVA_BYTE);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw error("string is not valid UTF-8");
        }
    }

    private String line() {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = u8();
            if (c == '\n') return sb.toString();
            if (c < 0x20 || c > 0x7e || sb.length() >= MAX_GLOBAL_NAME) throw error("malformed GLOBAL name at byte " + opAt);
            sb.append((char) c);
        }
    }

    private void push(Object o) {
        if (stack.size() >= MAX_STACK) throw error("stack deeper than " + MAX_STACK);
        stack.add(o);
    }

    private Object pop() {
        int base = marks.isEmpty() ? 0 : marks.getLast();
        if (stack.size() <= base) throw error("stack underflow");
        return stack.removeLast();
    }

    private Object peek() {
        int base = marks.isEmpty() ? 0 : marks.getLast();
        if (stack.size() <= base) throw error("stack underflow");
        return stack.getLast();
    }

    private List<Object> popN(int n) {
        int base = marks.isEmpty() ? 0 : marks.getLast();
        if (stack.size() - base < n) throw error("stack underflow");
        List<Object> top = stack.subList(stack.size() - n, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private List<Object> popToMark() {
        if (marks.isEmpty()) throw error("no MARK to pop to");
        List<Object> top = stack.subList(marks.removeLast(), stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private void memoPut(long index) {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) throw error("memo larger than " + MAX_MEMO + " entries");
        memo.put(index, peek());
    }

    private void memoGet(long index) {
        Object o = memo.get(index);
        if (o == null) throw error("memo entry " + index + " read before it was written");
        push(o);
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw error("SETITEM(S) on a " + describe(o) + ", not a dict");
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw error("APPEND(S) on a " + describe(o) + ", not a list");
    }

    /** Dict keys: only immutable scalars, so hashing can never recurse into a cycle. */
    private Object key(Object k) {
        if (k instanceof String || k instanceof Long || k instanceof Boolean || k == NONE) return k;
        throw error("dict key " + describe(k) + " is not supported (str or int only)");
    }

    /** A one-line description that never walks into (possibly cyclic) containers. */
    static String describe(Object o) {
        if (o instanceof String s) return "str '" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "'";
        if (o instanceof Long l) return "int " + l;
        if (o instanceof Tuple t) return "tuple of " + t.size();
        if (o instanceof List<?> l) return "list of " + l.size();
        if (o instanceof Map<?, ?> m) return "dict of " + m.size();
        if (o instanceof Global g) return "global " + g;
        if (o instanceof TensorCall) return "tensor";
        if (o == NONE) return "None";
        return o == null ? "null" : o.getClass().getSimpleName();
    }

    private static String opcodeName(int op) {
        String name = switch (op) {
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case 0x81 -> "NEWOBJ";
            case 0x92 -> "NEWOBJ_EX";
            case 'P' -> "PERSID";
            case 0x82, 0x83, 0x84 -> "EXT";
            case 'I' -> "INT";
            case 'L' -> "LONG";
            case 'S' -> "STRING";
            case 'V' -> "UNICODE";
            case 'F' -> "FLOAT";
            case 'p' -> "PUT";
            case 'g' -> "GET";
            case 'l' -> "LIST";
            case 'd' -> "DICT";
            case 'T' -> "BINSTRING";
            case 'U' -> "SHORT_BINSTRING";
            case 'B', 'C', 0x8e, 0x96, 0x97, 0x98 -> "bytes/buffer";
            case 0x8b -> "LONG4";
            case 0x8f -> "EMPTY_SET";
            case 0x90 -> "ADDITEMS";
            case 0x91 -> "FROZENSET";
            case '0', '1', '2' -> "POP/DUP";
            default -> null;
        };
        return name == null ? "" : " (" + name + ")";
    }
}
