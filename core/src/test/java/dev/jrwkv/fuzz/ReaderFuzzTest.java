package dev.jrwkv.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

/**
 * Coverage-guided fuzzing (Jazzer) of every reader, one target per reader and one per format for
 * {@code Model.load} end to end. Each input must keep the {@link InputContract}: a result or a
 * {@code JrwkvException} naming the problem, nothing else, bounded allocation, bounded time.
 *
 * <p>{@code mvn test} runs each target in regression mode: the seeds ({@link Seeds}: small generated
 * files plus the shared fixtures when present) and the crash reproducers kept under
 * {@code src/test/resources/dev/jrwkv/fuzz/ReaderFuzzTestInputs/<target>/}. A campaign fuzzes one
 * target: {@code ./fuzz.sh <target> [duration]} (see README, "Fuzzing").
 */
class ReaderFuzzTest {

    @MethodSource("pyTorchSeeds")
    @FuzzTest(maxDuration = "2m")
    void pyTorch(byte[] input) {
        InputContract.check(input, ".pth", Targets::pyTorch);
    }

    @MethodSource("safetensorsSeeds")
    @FuzzTest(maxDuration = "2m")
    void safetensors(byte[] input) {
        InputContract.check(input, ".safetensors", Targets::safetensors);
    }

    @MethodSource("ggufSeeds")
    @FuzzTest(maxDuration = "2m")
    void gguf(byte[] input) {
        InputContract.check(input, ".gguf", Targets::gguf);
    }

    @MethodSource("rwkvCppSeeds")
    @FuzzTest(maxDuration = "2m")
    void rwkvCpp(byte[] input) {
        InputContract.check(input, ".bin", Targets::rwkvCpp);
    }

    @MethodSource("worldVocabularySeeds")
    @FuzzTest(maxDuration = "2m")
    void worldVocabulary(byte[] input) {
        InputContract.check(input, ".txt", Targets::worldVocabulary);
    }

    @MethodSource("tokenizerJsonSeeds")
    @FuzzTest(maxDuration = "2m")
    void tokenizerJson(byte[] input) {
        InputContract.check(input, ".json", Targets::tokenizerJson);
    }

    @MethodSource("stateFileSeeds")
    @FuzzTest(maxDuration = "2m")
    void stateFile(byte[] input) {
        InputContract.check(input, ".state", Targets::stateFile);
    }

    @MethodSource("stateTuningSeeds")
    @FuzzTest(maxDuration = "2m")
    void stateTuning(byte[] input) {
        InputContract.check(input, ".pth", Targets::stateTuning);
    }

    @MethodSource("pyTorchSeeds")
    @FuzzTest(maxDuration = "2m")
    void modelLoadPyTorch(byte[] input) {
        InputContract.check(input, ".pth", Targets::modelLoad);
    }

    @MethodSource("safetensorsSeeds")
    @FuzzTest(maxDuration = "2m")
    void modelLoadSafetensors(byte[] input) {
        InputContract.check(input, ".safetensors", Targets::modelLoad);
    }

    @MethodSource("ggufSeeds")
    @FuzzTest(maxDuration = "2m")
    void modelLoadGguf(byte[] input) {
        InputContract.check(input, ".gguf", Targets::modelLoad);
    }

    @MethodSource("rwkvCppSeeds")
    @FuzzTest(maxDuration = "2m")
    void modelLoadRwkvCpp(byte[] input) {
        InputContract.check(input, ".bin", Targets::modelLoad);
    }

    static Stream<Arguments> pyTorchSeeds() { return arguments(Seeds.pyTorch()); }
    static Stream<Arguments> safetensorsSeeds() { return arguments(Seeds.safetensors()); }
    static Stream<Arguments> ggufSeeds() { return arguments(Seeds.gguf()); }
    static Stream<Arguments> rwkvCppSeeds() { return arguments(Seeds.rwkvCpp()); }
    static Stream<Arguments> worldVocabularySeeds() { return arguments(Seeds.worldVocabulary()); }
    static Stream<Arguments> tokenizerJsonSeeds() { return arguments(Seeds.tokenizerJson()); }
    static Stream<Arguments> stateFileSeeds() { return arguments(Seeds.stateFile()); }
    static Stream<Arguments> stateTuningSeeds() { return arguments(Seeds.stateTuning()); }

    private static Stream<Arguments> arguments(List<byte[]> seeds) {
        return seeds.stream().map(b -> Arguments.of((Object) b));
    }
}
