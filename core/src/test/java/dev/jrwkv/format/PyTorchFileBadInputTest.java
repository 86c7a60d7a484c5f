package dev.jrwkv.format;

import dev.jrwkv.Fixtures;
import dev.jrwkv.format.TorchCheckpoints.Spec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.jrwkv.format.Rejections.assertRejected;

@Timeout(20)
class PyTorchFileBadInputTest {
    @TempDir
    Path dir;

    private Path pth(String name, byte[] zip) {
        return Rejections.write(dir, name, zip);
    }

    private Path checkpoint(String name, List<Spec> specs, Map<String, byte[]> storages) {
        return pth(name, TorchCheckpoints.javaZip(TorchCheckpoints.entries(TorchCheckpoints.stateDictPickle(specs), storages)));
    }

    private Path withPickle(String name, byte[] pickle) {
        return pth(name, TorchCheckpoints.javaZip(TorchCheckpoints.entries(pickle, Map.of("0", TorchCheckpoints.f32(1, 2)))));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 4, 21, 30, 100, 41_300, 900_000, 1_780_000, 1_780_446})
    void truncatedFixture(long length) {
        Path cut = Rejections.truncated(dir, Fixtures.file("official/7v0-834K.pth"), length);
        assertRejected(cut, PyTorchFile::open, "truncated");
    }

    @Test
    void notAZip() throws IOException {
        Path text = Files.writeString(dir.resolve("text.pth"), "this is not a checkpoint, just some text long enough to scan");
        assertRejected(text, PyTorchFile::open, "end-of-central-directory record not found");
        Path rwkvCpp = Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP16.bin");
        assertRejected(rwkvCpp, PyTorchFile::open, "not a zip");
    }

    @Test
    void zipWithoutDataPkl() {
        Path zip = pth("other.zip", TorchCheckpoints.javaZip(Map.of("readme.txt", "hi".getBytes(StandardCharsets.US_ASCII))));
        assertRejected(zip, PyTorchFile::open, "without <folder>/data.pkl", "not a torch.save checkpoint");
    }

    @Test
    void pickleCallingOsSystem() {
        byte[] pickle = new PickleWriter().proto(2).global("os", "system").binunicode("touch /tmp/jrwkv-pwned").op(0x85).op('R').stop().bytes();
        assertRejected(withPickle("os-system.pth", pickle), PyTorchFile::open, "archive/data.pkl", "refuses the Python global os.system at byte 2");
        assertRejected(withPickle("os-system2.pth", pickle), ModelFiles::open, "os.system");
    }

    @Test
    void pickleCallingBuiltinsEval() {
        byte[] pickle = new PickleWriter().proto(2).global("builtins", "eval").binunicode("__import__('os').system('id')").op(0x85).op('R').stop().bytes();
        assertRejected(withPickle("eval.pth", pickle), PyTorchFile::open, "archive/data.pkl", "refuses the Python global builtins.eval");
    }

    @Test
    void truncatedPickleInsideAValidZip() {
        byte[] good = TorchCheckpoints.stateDictPickle(List.of(Spec.contiguous("w", "FloatStorage", "0", 2)));
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 5);
        assertRejected(withPickle("cut-pickle.pth", cut), PyTorchFile::open, "without a STOP opcode");
    }

    @Test
    void sizeClaiming2To40Elements() {
        Spec huge = new Spec("w", "FloatStorage", "0", 2, 0, new long[] {1 << 20, 1 << 20}, new long[] {1 << 20, 1});
        assertRejected(checkpoint("huge.pth", List.of(huge), Map.of("0", TorchCheckpoints.f32(1, 2))), PyTorchFile::open,
                "tensor w [1048576, 1048576]", "does not fit in its storage 0 of 2 elements");
        Spec hugeStorage = new Spec("w", "FloatStorage", "0", 1L << 40, 0, new long[] {2}, new long[] {1});
        assertRejected(checkpoint("huge-storage.pth", List.of(hugeStorage), Map.of("0", TorchCheckpoints.f32(1, 2))), PyTorchFile::open,
                "holds 8 bytes, but the pickle claims 1099511627776 elements");
    }

    @Test
    void unsupportedAndUnknownDtypes() {
        assertRejected(checkpoint("long.pth", List.of(Spec.contiguous("step", "LongStorage", "0", 1)), Map.of("0", new byte[8])),
                PyTorchFile::open, "tensor step has unsupported type torch.LongStorage");
        assertRejected(checkpoint("complex.pth", List.of(Spec.contiguous("z", "ComplexFloatStorage", "0", 1)), Map.of("0", new byte[8])),
                PyTorchFile::open, "refuses the Python global torch.ComplexFloatStorage");
    }

    @Test
    void lyingOffsetsStridesAndStorages() {
        Map<String, byte[]> four = Map.of("0", TorchCheckpoints.f32(1, 2, 3, 4));
        assertRejected(checkpoint("offset.pth", List.of(new Spec("w", "FloatStorage", "0", 4, 3, new long[] {2}, new long[] {1})), four),
                PyTorchFile::open, "tensor w [2] at element offset 3 does not fit");
        assertRejected(checkpoint("transposed.pth", List.of(new Spec("w", "FloatStorage", "0", 4, 0, new long[] {2, 2}, new long[] {1, 2})), four),
                PyTorchFile::open, "tensor w is not contiguous", "stride [1, 2]");
        assertRejected(checkpoint("rank.pth", List.of(new Spec("w", "FloatStorage", "0", 4, 0, new long[] {2, 2}, new long[] {1})), four),
                PyTorchFile::open, "differ in rank");
        assertRejected(checkpoint("missing.pth", List.of(Spec.contiguous("w", "FloatStorage", "9", 4)), four),
                PyTorchFile::open, "storage entry archive/data/9 is missing");
        assertRejected(checkpoint("short.pth", List.of(Spec.contiguous("w", "FloatStorage", "0", 5)), four),
                PyTorchFile::open, "archive/data/0 holds 16 bytes, but the pickle claims 5 elements of 4 bytes");
        assertRejected(checkpoint("badkey.pth", List.of(Spec.contiguous("w", "FloatStorage", "../0", 4)), four),
                PyTorchFile::open, "storage key str '../0' is not a plain name");
    }

    @Test
    void notAStateDict() {
        assertRejected(withPickle("list.pth", new PickleWriter().proto(2).op(']').stop().bytes()), PyTorchFile::open, "holds a list of 0, not a state dict");
        byte[] intValue = new PickleWriter().proto(2).op('}').binunicode("epoch").integer(3).op('s').stop().bytes();
        assertRejected(withPickle("epoch.pth", intValue), PyTorchFile::open, "state dict entry epoch is a int 3, not a tensor");
    }

    @Test
    void deflatedStorage() {
        byte[] pickle = TorchCheckpoints.stateDictPickle(List.of(Spec.contiguous("w", "FloatStorage", "0", 2)));
        byte[] zip = TorchCheckpoints.javaZip(TorchCheckpoints.entries(pickle, Map.of("0", TorchCheckpoints.f32(1, 2))), "archive/data/0");
        assertRejected(pth("deflated.pth", zip), PyTorchFile::open, "zip entry archive/data/0 is compressed (method 8)");
    }

    @Test
    void bigEndianCheckpoint() {
        Map<String, byte[]> entries = new LinkedHashMap<>(TorchCheckpoints.entries(
                TorchCheckpoints.stateDictPickle(List.of(Spec.contiguous("w", "FloatStorage", "0", 2))), Map.of("0", TorchCheckpoints.f32(1, 2))));
        entries.put("archive/byteorder", "big".getBytes(StandardCharsets.US_ASCII));
        assertRejected(pth("big.pth", TorchCheckpoints.javaZip(entries)), PyTorchFile::open, "byteorder is 'big'");
    }

    @Test
    void centralDirectoryPointingOutsideTheFile() throws IOException {
        byte[] fixture = Files.readAllBytes(Fixtures.file("official/7v0-834K.pth"));
        int eocd = findEocd(fixture);

        // torch.save writes ZIP64 end records even for small files: they are the ones that count
        int z64 = (int) ByteBuffer.wrap(fixture).order(ByteOrder.LITTLE_ENDIAN).getLong(eocd - 20 + 8);
        byte[] farCd = fixture.clone();
        le32(farCd, eocd + 16, 0x7fff_0000);
        le64(farCd, z64 + 48, 0x7fff_0000);
        assertRejected(pth("far-cd.pth", farCd), PyTorchFile::open, "central directory (offset 2147418112", "lies outside the file");

        byte[] bigCd = fixture.clone();
        le64(bigCd, z64 + 40, 0x7fff_0000);
        le32(bigCd, eocd + 12, 0x7fff_0000);
        assertRejected(pth("big-cd.pth", bigCd), PyTorchFile::open, "lies outside the file");

        byte[] disagree = fixture.clone();
        le32(disagree, eocd + 16, 12345);
        assertRejected(pth("disagree.pth", disagree), PyTorchFile::open, "zip end records disagree on the central directory offset (12345 vs ZIP64");

        byte[] manyEntries = fixture.clone();
        le64(manyEntries, z64 + 32, 1L << 40);
        le16(manyEntries, eocd + 10, 0xffff);
        assertRejected(pth("many.pth", manyEntries), PyTorchFile::open, "claims 1099511627776 entries");

        // a classic (non-ZIP64) archive: its own end record counts
        byte[] classic = TorchCheckpoints.javaZip(TorchCheckpoints.entries(
                TorchCheckpoints.stateDictPickle(List.of(Spec.contiguous("w", "FloatStorage", "0", 2))), Map.of("0", TorchCheckpoints.f32(1, 2))));
        le32(classic, classic.length - 22 + 16, 0x7fff_0000);
        assertRejected(pth("classic-far-cd.pth", classic), PyTorchFile::open, "central directory (offset 2147418112", "lies outside the file");

        // the first central record (data.pkl) says its local header is far away
        int cd = ByteBuffer.wrap(fixture).order(ByteOrder.LITTLE_ENDIAN).getInt(eocd + 16);
        byte[] farLocal = fixture.clone();
        le32(farLocal, cd + 42, 0x7000_0000);
        assertRejected(pth("far-local.pth", farLocal), PyTorchFile::open, "data.pkl claims", "outside the entry data area");

        // ... or that it is larger than the file
        byte[] bigEntry = fixture.clone();
        le32(bigEntry, cd + 20, 0x7000_0000);
        le32(bigEntry, cd + 24, 0x7000_0000);
        assertRejected(pth("big-entry.pth", bigEntry), PyTorchFile::open, "data.pkl claims 1879048192 bytes");

        // a local header offset that lands on something other than a local header
        byte[] wrongLocal = fixture.clone();
        le32(wrongLocal, cd + 42, 10);
        assertRejected(pth("wrong-local.pth", wrongLocal), PyTorchFile::open, "no local header at offset 10");
    }

    @Test
    void zip64RecordsPointingOutsideTheFile() {
        byte[] zip = TorchCheckpoints.handZip(TorchCheckpoints.entries(
                TorchCheckpoints.stateDictPickle(List.of(Spec.contiguous("w", "FloatStorage", "0", 2))), Map.of("0", TorchCheckpoints.f32(1, 2))), true);
        int eocd = zip.length - 22;
        int locator = eocd - 20;
        byte[] farLocator = zip.clone();
        le64(farLocator, locator + 8, 1L << 50);
        assertRejected(pth("z64-locator.pth", farLocator), PyTorchFile::open, "ZIP64 locator points to offset 1125899906842624");

        int z64 = (int) ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).getLong(locator + 8);
        byte[] farCd = zip.clone();
        le64(farCd, z64 + 48, 1L << 33);
        assertRejected(pth("z64-cd.pth", farCd), PyTorchFile::open, "central directory (offset 8589934592", "outside the file");

        byte[] absurd = zip.clone();
        le64(absurd, z64 + 40, -1);
        assertRejected(pth("z64-absurd.pth", absurd), PyTorchFile::open, "ZIP64 central directory size is absurd");
    }

    private static int findEocd(byte[] zip) {
        for (int p = zip.length - 22; p >= 0; p--) {
            if (zip[p] == 'P' && zip[p + 1] == 'K' && zip[p + 2] == 5 && zip[p + 3] == 6) return p;
        }
        throw new AssertionError("no EOCD");
    }

    private static void le16(byte[] b, int at, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) v);
    }

    private static void le32(byte[] b, int at, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
    }

    private static void le64(byte[] b, int at, long v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
    }
}
