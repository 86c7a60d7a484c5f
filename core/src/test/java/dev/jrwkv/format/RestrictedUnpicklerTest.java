package dev.jrwkv.format;

import dev.jrwkv.format.RestrictedUnpickler.Global;
import dev.jrwkv.format.RestrictedUnpickler.TensorCall;
import dev.jrwkv.format.RestrictedUnpickler.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class RestrictedUnpicklerTest {
    private static final Path FILE = Path.of("evil.pth");

    private static Object load(byte[] pickle) {
        return RestrictedUnpickler.load(FILE, "archive/data.pkl", MemorySegment.ofArray(pickle), pid -> pid);
    }

    private static void assertRefused(byte[] pickle, String... fragments) {
        assertThatThrownBy(() -> load(pickle)).isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(FILE + ": archive/data.pkl: ")
                .satisfies(e -> {
                    for (String f : fragments) assertThat(e.getMessage()).contains(f);
                });
    }

    @Test
    void readsTheStructuresOfAStateDict() {
        byte[] pickle = TorchCheckpoints.stateDictPickle(List.of(TorchCheckpoints.Spec.contiguous("w", "HalfStorage", "7", 3, 1)));
        Object root = load(pickle);
        assertThat(root).isInstanceOf(Map.class);
        Map<?, ?> dict = (Map<?, ?>) root;
        assertThat(List.copyOf(dict.keySet())).isEqualTo(List.of("w"));
        TensorCall call = (TensorCall) dict.get("w");
        assertThat(call.storage()).isEqualTo(new Tuple(List.of("storage", new Global("torch", "HalfStorage"), "7", "cpu", 3L)));
        assertThat(call.storageOffset()).isEqualTo(0L);
        assertThat(call.size()).isEqualTo(new Tuple(List.of(3L, 1L)));
        assertThat(call.stride()).isEqualTo(new Tuple(List.of(1L, 1L)));
    }

    @Test
    void readsScalarsListsAndNegativeIntegers() {
        byte[] pickle = new PickleWriter().proto(2).op(']').mark()
                .integer(-5).integer(70000).integer(1L << 40).op(0x8a).raw(2, 0x00, 0x80) // LONG1 -32768
                .op('N').op(0x88).op('G').raw(0x3f, 0xf8, 0, 0, 0, 0, 0, 0) // 1.5
                .op('e').stop().bytes();
        assertThat(load(pickle)).isEqualTo(List.of(-5L, 70000L, 1L << 40, -32768L, RestrictedUnpickler.NONE, true, 1.5));
    }

    @Test
    void dropsTheMetadataStateThatStateDictsCarry() {
        // model.state_dict() is an OrderedDict with a _metadata attribute: pickled as items, then BUILD({'_metadata': ...})
        byte[] pickle = new PickleWriter().proto(2).global("collections", "OrderedDict").op('q').raw(0).op(')').op('R')
                .binunicode("w").integer(1).op('s')
                .op('}').binunicode("_metadata").op('h').raw(0).op(')').op('R')
                .binunicode("").op('}').binunicode("version").integer(1).op('s').op('s').op('s')
                .op('b').stop().bytes();
        assertThat(load(pickle)).isEqualTo(Map.of("w", 1L));
    }

    @ParameterizedTest
    @CsvSource({"os,system", "posix,system", "nt,system", "builtins,eval", "builtins,exec", "__builtin__,eval",
            "subprocess,Popen", "torch,load", "torch._utils,_rebuild_device_tensor_from_numpy", "collections,defaultdict",
            "torch,ComplexFloatStorage"})
    void refusesEveryOtherGlobalWhenItIsNamedBeforeAnyCall(String module, String name) {
        // no REDUCE at all: the global is refused as soon as it is read
        assertRefused(new PickleWriter().proto(2).global(module, name).stop().bytes(),
                "refuses the Python global " + module + "." + name, "at byte 2");
        assertRefused(new PickleWriter().proto(4).stackGlobal(module, name).stop().bytes(),
                "refuses the Python global " + module + "." + name);
    }

    @Test
    void refusesOsSystemCallInsideAValidStateDict() {
        byte[] good = TorchCheckpoints.stateDictPickle(List.of(TorchCheckpoints.Spec.contiguous("w", "FloatStorage", "0", 2)));
        // splice "os.system('echo pwned')" in as the value of a second key, before SETITEMS
        byte[] evil = new PickleWriter().binunicode("x").global("os", "system").binunicode("echo pwned").op(0x85).op('R').bytes();
        byte[] pickle = new byte[good.length + evil.length];
        System.arraycopy(good, 0, pickle, 0, good.length - 2);
        System.arraycopy(evil, 0, pickle, good.length - 2, evil.length);
        System.arraycopy(good, good.length - 2, pickle, good.length - 2 + evil.length, 2);
        assertRefused(pickle, "os.system", "at byte " + (good.length - 2 + 6));
    }

    @Test
    void unknownOpcodesAreNamedWithTheirPosition() {
        assertRefused(new byte[] {(byte) 0x80, 2, (byte) 0x81}, "unsupported pickle opcode 0x81 (NEWOBJ) at byte 2");
        assertRefused(new byte[] {(byte) 0x80, 2, 'i'}, "opcode 0x69 (INST) at byte 2");
        assertRefused(new byte[] {(byte) 0x80, 2, ']', (byte) 0xff}, "opcode 0xff at byte 3");
        assertRefused(new byte[] {(byte) 0x80, 9}, "pickle protocol 9 is not supported");
    }

    @Test
    void malformedStreamsGiveClearErrors() {
        assertRefused(new byte[] {(byte) 0x80, 2, ']'}, "without a STOP opcode");
        assertRefused(new byte[] {(byte) 0x80, 2, 'h', 7, '.'}, "memo entry 7 read before it was written");
        assertRefused(new byte[] {(byte) 0x80, 2, 'R'}, "stack underflow");
        assertRefused(new byte[] {(byte) 0x80, 2, ']', 't', '.'}, "no MARK to pop to");
        assertRefused(new byte[] {(byte) 0x80, 2, 'X', (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}, "string of 2147483647 bytes", "runs past the end");
        assertRefused(new byte[] {(byte) 0x80, 2, 'J', 1}, "truncated");
        assertRefused(new byte[] {(byte) 0x80, 2, (byte) 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, '.'}, "LONG1 integer of 9 bytes is too large");
        assertRefused(new byte[] {(byte) 0x80, 2, 'c', 'o', 's', 0, '\n'}, "malformed GLOBAL name");
        assertRefused(new PickleWriter().proto(2).op('}').op(']').op(']').op('s').stop().bytes(), "dict key list of 0 is not supported");
        assertRefused(new PickleWriter().proto(2).str("x").op(')').op('R').stop().bytes(), "REDUCE calls a str");
        assertRefused(new PickleWriter().proto(2).global("collections", "OrderedDict").integer(1).op(0x85).op('R').stop().bytes(),
                "collections.OrderedDict called with 1 arguments");
        assertRefused(new PickleWriter().proto(2).global("torch", "FloatStorage").op(')').op('R').stop().bytes(), "torch.FloatStorage cannot be called");
        assertRefused(new PickleWriter().proto(2).op(']').op(']').op('b').stop().bytes(), "BUILD on a list");
    }

    @Test
    void boundsNestingAndStack() {
        byte[] marks = new byte[2 + 5000];
        marks[0] = (byte) 0x80;
        marks[1] = 2;
        java.util.Arrays.fill(marks, 2, marks.length, (byte) '(');
        assertRefused(marks, "more than 4096 nested MARKs");

        byte[] pushes = new byte[2 + (1 << 20) + 1];
        pushes[0] = (byte) 0x80;
        pushes[1] = 2;
        java.util.Arrays.fill(pushes, 2, pushes.length, (byte) 'N');
        assertRefused(pushes, "stack deeper than 1048576");
    }

    @Test
    void cyclesDoNotRecurse() {
        // l = []; l.append(l): a list that holds itself
        Object root = load(new PickleWriter().proto(2).op(']').op('q').raw(0).op('h').raw(0).op('a').stop().bytes());
        assertThat(RestrictedUnpickler.describe(root)).isEqualTo("list of 1");
    }
}
