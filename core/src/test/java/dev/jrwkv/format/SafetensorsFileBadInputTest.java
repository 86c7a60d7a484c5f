package dev.jrwkv.format;

import dev.jrwkv.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static dev.jrwkv.format.Rejections.assertRejected;
import static dev.jrwkv.format.SafetensorsFileTest.safetensors;

@Timeout(20)
class SafetensorsFileBadInputTest {
    /** Header length of the fixture (bytes 0..8). */
    private static final long FIXTURE_HEADER = 0x8570;

    @TempDir
    Path dir;

    private Path file(String name, String header, int dataBytes) {
        return Rejections.write(dir, name, safetensors(header, new byte[dataBytes]));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 7})
    void truncatedBeforeTheHeaderLength(long length) {
        assertRejected(Rejections.truncated(dir, Fixtures.file("official/7v0-834K.safetensors"), length), SafetensorsFile::open,
                "truncated safetensors file: " + length + " bytes");
    }

    @ParameterizedTest
    @ValueSource(longs = {8, 9, 100, 8 + FIXTURE_HEADER - 1})
    void truncatedInsideTheHeader(long length) {
        assertRejected(Rejections.truncated(dir, Fixtures.file("official/7v0-834K.safetensors"), length), SafetensorsFile::open,
                "header length 34160 is impossible", "truncated");
    }

    @ParameterizedTest
    @ValueSource(longs = {8 + FIXTURE_HEADER, 8 + FIXTURE_HEADER + 1000, 900_000, 1_693_943})
    void truncatedInsideTheData(long length) {
        assertRejected(Rejections.truncated(dir, Fixtures.file("official/7v0-834K.safetensors"), length), SafetensorsFile::open,
                "data_offsets", "lie outside the", "truncated or corrupt");
    }

    @Test
    void wrongMagic() {
        Path notSafetensors = Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin");
        assertRejected(notSafetensors, SafetensorsFile::open, "header length", "is impossible");
        byte[] bad = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array();
        assertRejected(Rejections.write(dir, "huge-header.safetensors", bad), SafetensorsFile::open, "header length 1099511627776 is impossible");
        byte[] negative = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array();
        assertRejected(Rejections.write(dir, "negative.safetensors", negative), SafetensorsFile::open, "header length 18446744073709551615 is impossible");
        assertRejected(file("not-json.safetensors", "{not json at all}", 0), SafetensorsFile::open, "header is not valid JSON");
        assertRejected(file("array.safetensors", "[1, 2, 3]", 0), SafetensorsFile::open, "header is not a JSON object");
        assertRejected(file("empty.safetensors", "{}", 0), SafetensorsFile::open, "holds no tensors");
    }

    @Test
    void shapeClaiming2To40Elements() {
        assertRejected(file("huge.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1048576,1048576],\"data_offsets\":[0,16]}}", 16),
                SafetensorsFile::open, "tensor w F32 [1048576, 1048576] needs more than 16 bytes");
        assertRejected(file("overflow.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,16]}}", 16),
                SafetensorsFile::open, "tensor w F32", "needs more than");
    }

    @Test
    void unknownDtypes() {
        for (String dtype : new String[] {"F64", "I64", "U8", "BOOL", "F8_E4M3", "Q9"}) {
            assertRejected(file(dtype + ".safetensors", "{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16),
                    SafetensorsFile::open, "tensor w has unsupported dtype " + dtype + " (supported: F32, F16, BF16)");
        }
    }

    @Test
    void lyingOffsetsAndSizes() {
        assertRejected(file("past-end.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,999999]}}", 8),
                SafetensorsFile::open, "tensor w: data_offsets [0, 999999] lie outside the 8 data bytes");
        assertRejected(file("backwards.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8),
                SafetensorsFile::open, "data_offsets [8, 4] lie outside");
        assertRejected(file("size.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,12]}}", 16),
                SafetensorsFile::open, "tensor w F32 [4] needs 16 bytes, but data_offsets [0, 12] give 12");
        assertRejected(file("neg-dim.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4),
                SafetensorsFile::open, "shape[0] is -1, not a non-negative integer");
        assertRejected(file("float-dim.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4),
                SafetensorsFile::open, "shape[0] is 1.5");
        assertRejected(file("rank.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4),
                SafetensorsFile::open, "shape must be an array of at most 8 numbers");
        assertRejected(file("offsets.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4),
                SafetensorsFile::open, "data_offsets must hold two numbers");
        assertRejected(file("no-dtype.safetensors", "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                SafetensorsFile::open, "tensor w: missing dtype");
        assertRejected(file("dup.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                SafetensorsFile::open, "not valid JSON", "Duplicate field 'w'");
        assertRejected(file("meta.safetensors", "{\"__metadata__\":{\"n\":1},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                SafetensorsFile::open, "__metadata__.n is not a string");
    }
}
