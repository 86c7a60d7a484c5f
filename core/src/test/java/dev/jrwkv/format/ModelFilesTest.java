package dev.jrwkv.format;

import dev.jrwkv.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.jrwkv.format.Rejections.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(20)
class ModelFilesTest {
    @TempDir
    Path dir;

    @Test
    void detectsEachFormatByContentNotExtension() throws IOException {
        // copies with misleading extensions: detection must read the bytes
        Path pth = Files.copy(Fixtures.file("official/7v0-834K.pth"), dir.resolve("model.safetensors"));
        Path st = Files.copy(Fixtures.file("official/7v0-834K.safetensors"), dir.resolve("model.bin"));
        Path bin = Files.copy(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-Q5_1.bin"), dir.resolve("model.pth"));
        try (TensorStore a = ModelFiles.open(pth); TensorStore b = ModelFiles.open(st); TensorStore c = ModelFiles.open(bin)) {
            assertThat(a.format()).isEqualTo("pytorch");
            assertThat(a).isInstanceOf(PyTorchFile.class);
            assertThat(b.format()).isEqualTo("safetensors");
            assertThat(b).isInstanceOf(SafetensorsFile.class);
            assertThat(c.format()).isEqualTo("rwkv.cpp");
            assertThat(a.contains("blocks.0.att.key.weight")).isTrue();
            assertThat(a.get("blocks.0.att.key.weight").shape()).containsExactly(64, 64);
            assertThat(b.names()).containsExactlyElementsOf(a.names());
        }
    }

    @Test
    void wrongMagic() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.pth"), "hello, this is text");
        assertRejected(text, ModelFiles::open, "unknown model format (first bytes 68656c6c6f2c2074)", "supported: rwkv.cpp .bin, PyTorch .pth, .safetensors");
        assertRejected(Files.write(dir.resolve("empty.bin"), new byte[0]), ModelFiles::open, "unknown model format");
        assertRejected(dir.resolve("absent.pth"), ModelFiles::open, "no such file");
        assertRejected(dir, ModelFiles::open, "no such file");
        byte[] legacy = new PickleWriter().proto(2).op('}').stop().bytes();
        assertRejected(Files.write(dir.resolve("legacy.pth"), legacy), ModelFiles::open, "legacy PyTorch format");
    }

    @Test
    void passesEachReadersErrorsThrough() throws IOException {
        assertRejected(Rejections.truncated(dir, Fixtures.file("official/7v0-834K.pth"), 1_000_000), ModelFiles::open, "truncated or not a zip");
        assertRejected(Rejections.truncated(dir, Fixtures.file("official/7v0-834K.safetensors"), 1_000_000), ModelFiles::open, "lie outside the");
        assertRejected(Rejections.truncated(dir, Fixtures.file("official/7v0-834K.safetensors"), 1_000), ModelFiles::open, "header length 34160 is impossible");
        assertRejected(Rejections.truncated(dir, Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin"), 1_000_000), ModelFiles::open, "truncated");
        byte[] header2GiB = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 31).put((byte) '{').array();
        assertRejected(Files.write(dir.resolve("claims.safetensors"), header2GiB), ModelFiles::open, "header length 2147483648 is impossible");
        byte[] evil = TorchCheckpoints.javaZip(TorchCheckpoints.entries(
                new PickleWriter().proto(2).global("builtins", "eval").binunicode("1+1").op(0x85).op('R').stop().bytes(), java.util.Map.of()));
        assertRejected(Files.write(dir.resolve("evil.pth"), evil), ModelFiles::open, "refuses the Python global builtins.eval");
    }
}
