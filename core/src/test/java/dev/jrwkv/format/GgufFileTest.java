package dev.jrwkv.format;

import dev.jrwkv.tensor.DType;
import dev.jrwkv.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GgufFileTest {
    @TempDir
    Path dir;

    /** Hand-made GGUF bytes, so that every field can lie. */
    static final class Raw {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Raw u32(long v) {
            byte[] b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array();
            out.writeBytes(b);
            return this;
        }

        Raw u64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            return this;
        }

        Raw str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            out.writeBytes(b);
            return this;
        }

        Raw header(int version, long tensors, long kvs) {
            out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
            return u32(version).u64(tensors).u64(kvs);
        }

        /** One F32 tensor info [n] at data offset {@code offset}. */
        Raw f32Info(String name, long n, long offset) {
            return str(name).u32(1).u64(n).u32(0).u64(offset);
        }

        Raw padTo(int alignment) {
            while (out.size() % alignment != 0) out.write(0);
            return this;
        }

        Raw floats(int n) {
            for (int i = 0; i < n; i++) u32(Float.floatToIntBits(i + 0.5f));
            return this;
        }

        Path write(Path p) throws IOException {
            Files.write(p, out.toByteArray());
            return p;
        }
    }

    private Path valid() throws IOException {
        return new Raw().header(3, 2, 1).str("general.architecture").u32(8).str("test")
                .f32Info("a", 8, 0).f32Info("b", 8, 32).padTo(32).floats(8).floats(8).write(dir.resolve("ok.gguf"));
    }

    private void rejects(Raw raw, String... messageParts) throws IOException {
        Path p = raw.write(dir.resolve("bad.gguf"));
        var assertion = assertThatThrownBy(() -> GgufFile.open(p).close()).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(p.toString());
        for (String part : messageParts) assertion.hasMessageContaining(part);
    }

    @Test
    void readsHandMadeFile() throws IOException {
        try (GgufFile f = GgufFile.open(valid())) {
            assertThat(f.format()).isEqualTo("gguf");
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.names()).containsExactly("a", "b");
            assertThat(f.get("b").toFloats()).containsExactly(0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f, 7.5f);
            assertThat(f.metadata()).containsExactly(java.util.Map.entry("general.architecture", "test"));
        }
    }

    @Test
    void everyTruncationIsAClearError() throws IOException {
        byte[] whole = Files.readAllBytes(valid());
        for (int n = 0; n < whole.length; n++) {
            Path p = dir.resolve("t.gguf");
            Files.write(p, Arrays.copyOf(whole, n));
            assertThatThrownBy(() -> GgufFile.open(p).close()).as("cut at " + n).isInstanceOf(ModelFormatException.class);
        }
    }

    @Test
    void wrongMagicAndVersions() throws IOException {
        Raw r = new Raw();
        r.out.writeBytes("GGML".getBytes(StandardCharsets.US_ASCII));
        rejects(r.u32(3).u64(0).u64(0), "not a GGUF file");
        rejects(new Raw().header(1, 0, 0), "version 1");
        rejects(new Raw().header(7, 0, 0), "unsupported GGUF version 7");
        rejects(new Raw().header(0x03000000, 0, 0), "big-endian");
    }

    @Test
    void absurdCountsAreRejectedBeforeAllocating() throws IOException {
        rejects(new Raw().header(3, 0, Long.MAX_VALUE), "metadata_kv_count");
        rejects(new Raw().header(3, 1L << 60, 0), "tensor_count");
        rejects(new Raw().header(3, -1, 0), "tensor_count", "18446744073709551615");
    }

    @Test
    void hugeStringsAndArraysAreRejected() throws IOException {
        rejects(new Raw().header(3, 0, 1).u64(1L << 40).u64(0), "metadata key #0", "1099511627776 bytes needed");
        rejects(new Raw().header(3, 0, 1).str("k").u32(8).u64(Long.MAX_VALUE - 3), "k");
        rejects(new Raw().header(3, 0, 1).str("k").u32(9).u32(8).u64(1L << 50), "length of array k");
        rejects(new Raw().header(3, 0, 1).str("k").u32(9).u32(4).u64(1000).u32(1), "length of array k");
        rejects(new Raw().header(3, 1, 0).u64(1L << 62).u64(0).u64(0), "name of tensor #0");
    }

    @Test
    void unknownTypes() throws IOException {
        rejects(new Raw().header(3, 0, 1).str("k").u32(13).u32(0), "unknown value type 13");
        rejects(new Raw().header(3, 0, 1).str("k").u32(9).u32(77).u64(0), "array of unknown type 77");
        rejects(new Raw().header(3, 1, 0).str("t").u32(1).u64(32).u32(99).u64(0).padTo(32).floats(8), "unknown ggml type 99");
        rejects(new Raw().header(3, 1, 0).str("t").u32(1).u64(256).u32(10).u64(0).padTo(32).floats(64), "Q2_K", "not supported");
        Raw bool = new Raw().header(3, 0, 1).str("k").u32(7);
        bool.out.write(2);
        rejects(bool, "bool byte 2");
    }

    @Test
    void lyingTensorInfos() throws IOException {
        rejects(new Raw().header(3, 1, 0).f32Info("t", 1L << 40, 0).padTo(32).floats(8), "dimension");
        rejects(new Raw().header(3, 1, 0).f32Info("t", 64, 0).padTo(32).floats(8), "needs 256 bytes");
        rejects(new Raw().header(3, 1, 0).f32Info("t", 8, 64).padTo(32).floats(8), "needs 32 bytes at data offset 64");
        rejects(new Raw().header(3, 1, 0).f32Info("t", 8, 4).padTo(32).floats(16), "not a multiple of the alignment");
        rejects(new Raw().header(3, 1, 0).str("t").u32(5).u64(1).u64(1).u64(1).u64(1).u64(8).u32(0).u64(0).padTo(32).floats(8), "5 dimensions");
        rejects(new Raw().header(3, 1, 0).str("t").u32(1).u64(20).u32(8).u64(0).padTo(32).floats(64), "not a multiple of the Q8_0 block size 32");
        rejects(new Raw().header(3, 2, 0).f32Info("t", 8, 0).f32Info("t", 8, 32).padTo(32).floats(16), "appears twice");
        rejects(new Raw().header(3, 0, 1).str("general.alignment").u32(4).u32(24), "power of two");
        rejects(new Raw().header(3, 0, 1).str("general.alignment").u32(5).u32(32), "must be UINT32");
        rejects(new Raw().header(3, 0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(2), "k appears twice");
    }

    @Test
    void everyValueTypeRoundTripsThroughTheWriter() throws IOException {
        SequencedMap<String, GgufValue> m = new LinkedHashMap<>();
        m.put("u8", new GgufValue(GgufType.UINT8, null, 255L));
        m.put("i8", new GgufValue(GgufType.INT8, null, -128L));
        m.put("u16", new GgufValue(GgufType.UINT16, null, 65535L));
        m.put("i16", new GgufValue(GgufType.INT16, null, -32768L));
        m.put("u32", GgufValue.u32(4294967295L));
        m.put("i32", GgufValue.i32(-7));
        m.put("f32", GgufValue.f32(1e-5));
        m.put("bool", GgufValue.bool(true));
        m.put("s", GgufValue.string("héllo"));
        m.put("u64", GgufValue.u64(-1L));
        m.put("i64", new GgufValue(GgufType.INT64, null, Long.MIN_VALUE));
        m.put("f64", new GgufValue(GgufType.FLOAT64, null, Math.PI));
        m.put("tokens", GgufValue.strings(List.of("<s>", "\\x00", "")));
        m.put("types", GgufValue.i32s(3, 1, 1));
        m.put("scores", new GgufValue(GgufType.ARRAY, GgufType.FLOAT32, List.of(0.5, -1.0)));
        m.put("nested", new GgufValue(GgufType.ARRAY, GgufType.ARRAY, List.of(GgufValue.i32s(1, 2), GgufValue.i32s())));
        m.put("general.alignment", GgufValue.u32(64));
        Tensor t = Tensor.ofFloats("w", new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor q = Tensor.encode("q", new float[64], DType.Q8_0, dev.jrwkv.tensor.QuantRounding.SEPARATE, 2, 32);
        Path p = dir.resolve("all.gguf");
        GgufWriter.write(p, m, List.of(t, q));
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.values()).isEqualTo(m);
            assertThat(f.metadata()).containsEntry("u64", "18446744073709551615").containsEntry("f32", "1.0E-5")
                    .containsEntry("s", "héllo").containsEntry("bool", "true").doesNotContainKey("tokens");
            assertThat(f.stringArray("tokens")).containsExactly("<s>", "\\x00", "");
            assertThat(f.integerArray("types")).containsExactly(3, 1, 1);
            assertThat(f.floatArray("scores")).containsExactly(0.5, -1.0);
            assertThat(f.get("w").shape()).containsExactly(2, 3);
            assertThat(f.get("w").toFloats()).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(f.get("q").data().address() - f.get("w").data().address()).isEqualTo(64);
            assertThatThrownBy(() -> f.stringArray("types")).isInstanceOf(ModelFormatException.class).hasMessageContaining("expected an array of STRING");
            assertThatThrownBy(() -> f.integerArray("missing")).isInstanceOf(ModelFormatException.class).hasMessageContaining("missing metadata missing");
        }
        try (TensorStore s = ModelFiles.open(p)) {
            assertThat(s.format()).isEqualTo("gguf");
        }
    }
}
