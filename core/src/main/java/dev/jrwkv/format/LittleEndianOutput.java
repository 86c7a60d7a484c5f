package dev.jrwkv.format;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** Little-endian primitive writes that count bytes (for alignment padding); shared by the writers. */
final class LittleEndianOutput {
    private final OutputStream out;
    private final byte[] buf = new byte[1 << 16];
    private long position;

    LittleEndianOutput(OutputStream out) {
        this.out = out;
    }

    long position() {
        return position;
    }

    void u8(int v) throws IOException {
        out.write(v);
        position++;
    }

    void u16(int v) throws IOException {
        u8(v & 0xFF);
        u8((v >>> 8) & 0xFF);
    }

    void u32(int v) throws IOException {
        for (int i = 0; i < 4; i++) u8((v >>> (8 * i)) & 0xFF);
    }

    void u64(long v) throws IOException {
        for (int i = 0; i < 8; i++) u8((int) (v >>> (8 * i)) & 0xFF);
    }

    void bytes(byte[] b) throws IOException {
        out.write(b);
        position += b.length;
    }

    /** u64 length + UTF-8 bytes (GGUF strings). */
    void string(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        bytes(b);
    }

    void segment(MemorySegment seg) throws IOException {
        long n = seg.byteSize();
        for (long off = 0; off < n; off += buf.length) {
            int len = (int) Math.min(buf.length, n - off);
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, buf, 0, len);
            out.write(buf, 0, len);
            position += len;
        }
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    void pad(int alignment) throws IOException {
        while (position % alignment != 0) u8(0);
    }
}
