package dev.jrwkv.format;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes pickle opcodes byte by byte, to build test pickles (good and hostile) without Python. */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleWriter proto(int version) {
        return op(0x80).raw(version);
    }

    PickleWriter op(int opcode) {
        out.write(opcode);
        return this;
    }

    PickleWriter raw(int... bytes) {
        for (int b : bytes) out.write(b);
        return this;
    }

    PickleWriter raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    /** GLOBAL: {@code c module\nname\n}. */
    PickleWriter global(String module, String name) {
        return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** STACK_GLOBAL after two SHORT_BINUNICODE strings (protocol 4 style). */
    PickleWriter stackGlobal(String module, String name) {
        return str(module).str(name).op(0x93);
    }

    /** SHORT_BINUNICODE for short strings, BINUNICODE otherwise. */
    PickleWriter str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length < 256) return op(0x8c).raw(b.length).raw(b);
        return op('X').le32(b.length).raw(b);
    }

    /** BINUNICODE, always (what torch.save's protocol 2 writes). */
    PickleWriter binunicode(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return op('X').le32(b.length).raw(b);
    }

    /** The smallest int opcode for {@code v}, like Python's pickler. */
    PickleWriter integer(long v) {
        if (v >= 0 && v < 256) return op('K').raw((int) v);
        if (v >= 0 && v < 65536) return op('M').raw((int) (v & 0xFF), (int) (v >>> 8));
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) return op('J').le32((int) v);
        op(0x8a).raw(8);
        for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i)));
        return this;
    }

    PickleWriter tuple(long... values) {
        switch (values.length) {
            case 0 -> op(')');
            case 1 -> { integer(values[0]); op(0x85); }
            case 2 -> { integer(values[0]); integer(values[1]); op(0x86); }
            case 3 -> { integer(values[0]); integer(values[1]); integer(values[2]); op(0x87); }
            default -> {
                mark();
                for (long v : values) integer(v);
                op('t');
            }
        }
        return this;
    }

    PickleWriter mark() {
        return op('(');
    }

    PickleWriter le32(int v) {
        for (int i = 0; i < 4; i++) out.write(v >>> (8 * i));
        return this;
    }

    PickleWriter stop() {
        return op('.');
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
