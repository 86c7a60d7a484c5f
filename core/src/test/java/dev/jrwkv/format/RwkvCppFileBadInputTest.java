package dev.jrwkv.format;

import dev.jrwkv.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static dev.jrwkv.format.Rejections.assertRejected;

@Timeout(20)
class RwkvCppFileBadInputTest {
    @TempDir
    Path dir;

    /** An rwkv.cpp file: header (version), then one tensor header (dims as ne[], type, name) and {@code dataBytes} zero bytes. */
    private Path file(String name, int version, int type, int[] ne, String tensor, int dataBytes) {
        byte[] n = tensor.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(24 + 12 + 4 * ne.length + n.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(RwkvCppFile.MAGIC).putInt(version).putInt(256).putInt(64).putInt(1).putInt(type);
        b.putInt(ne.length).putInt(n.length).putInt(type);
        for (int d : ne) b.putInt(d);
        b.put(n);
        return Rejections.write(dir, name, b.array());
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 10, 23, 30, 60, 1000, 65_600, 1_666_358, 3_332_715})
    void truncatedFixture(long length) {
        assertRejected(Rejections.truncated(dir, Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"), length), RwkvCppFile::open, "truncated");
    }

    @Test
    void truncatedQuantizedFixture() {
        assertRejected(Rejections.truncated(dir, Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-Q5_1.bin"), 700_001), RwkvCppFile::open, "truncated");
    }

    @Test
    void wrongMagicAndVersion() {
        assertRejected(Fixtures.file("official/7v0-834K.pth"), RwkvCppFile::open, "not an rwkv.cpp file: magic 0x04034b50");
        assertRejected(file("version.bin", 7, 0, new int[] {4}, "w", 16), RwkvCppFile::open, "unsupported rwkv.cpp file version 7");
        assertRejected(file("q-in-100.bin", 100, 8, new int[] {32}, "w", 24), RwkvCppFile::open, "quantized tensor (Q5_1) in a version 100 file");
    }

    @Test
    void headerClaiming2To40Elements() {
        assertRejected(file("huge.bin", 101, 0, new int[] {1 << 20, 1 << 20}, "w", 16), RwkvCppFile::open,
                "tensor w [1048576, 1048576] F32 needs more bytes");
        assertRejected(file("huge-q.bin", 101, 2, new int[] {1 << 30, 1 << 30, 1 << 30, 1 << 30}, "w", 18), RwkvCppFile::open, "needs more bytes");
    }

    @Test
    void unknownDtype() {
        assertRejected(file("dtype.bin", 101, 42, new int[] {4}, "w", 16), RwkvCppFile::open, "unknown data type 42");
        assertRejected(file("retired.bin", 101, 5, new int[] {32}, "w", 20), RwkvCppFile::open, "retired data type 5");
    }

    @Test
    void lyingSizes() {
        assertRejected(file("dims.bin", 101, 0, new int[] {1, 1, 1, 1, 1, 1, 1}, "w", 4), RwkvCppFile::open, "claims 7 dimensions");
        assertRejected(file("zero-dim.bin", 101, 0, new int[] {0}, "w", 4), RwkvCppFile::open, "has dimension 0");
        assertRejected(file("negative-dim.bin", 101, 0, new int[] {-4}, "w", 4), RwkvCppFile::open, "has dimension -4");
        assertRejected(file("short-data.bin", 101, 0, new int[] {8}, "w", 16), RwkvCppFile::open, "tensor w [8] F32 needs 32 bytes", "16 left");
        assertRejected(file("q-row.bin", 101, 9, new int[] {16}, "w", 34), RwkvCppFile::open, "not a multiple of the Q8_0 block size 32");
        ByteBuffer longName = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(RwkvCppFile.MAGIC).putInt(101).putInt(256).putInt(64).putInt(1).putInt(0)
                .putInt(1).putInt(1 << 30).putInt(0).putInt(4);
        assertRejected(Rejections.write(dir, "long-name.bin", longName.array()), RwkvCppFile::open, "claims a name of 1073741824 bytes");
    }
}
