package dev.jrwkv.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jrwkv.Fixtures;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.jrwkv.model.OfficialTrace.maxAbs;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every tiny-rwkv file (FP32, FP16, Q5_0, Q5_1 of every version) loads and gives the official
 * logits after {@code "in}. The reference for an FP16 or quantized file is the official code run on
 * exactly that file's dequantized weights ({@code official/quote-in-logits.bin}): the only
 * difference left is float32 summation order, so the FP32 tolerance of 1e-4 applies to them too.
 * (Against the FP32 model they differ by the quantization error, up to about 0.1 here, which says
 * nothing about the engine.)
 */
class EveryFileTest {

    @TestFactory
    List<DynamicTest> everyFileMatchesOfficialLogitsOnItsOwnWeights() throws IOException {
        Path json = Fixtures.file("official/quote-in-logits.json");
        byte[] bin = Files.readAllBytes(Fixtures.file("official/quote-in-logits.bin"));
        JsonNode rows = new ObjectMapper().readTree(json.toFile()).get("rows");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode row : rows) {
            if (!row.get("variant").asText().equals("official")) continue;   // the eps-1e-5 rows are rwkv.cpp's convention
            String file = row.get("model_file").asText();
            int index = row.get("row").asInt();
            tests.add(DynamicTest.dynamicTest(file, () -> {
                float[] expected = floats(bin, index * 256 * 4, 256);
                try (Model m = Model.load(Fixtures.file(file))) {
                    float[] logits = m.forward(new int[] {0x22, 0x69, 0x6E}, m.newState());
                    assertThat(maxAbs(logits, expected)).as(file).isLessThanOrEqualTo(OfficialParityTest.LOGIT_TOL);
                    State s = m.newState();
                    for (int b : new int[] {0x22, 0x69, 0x6E}) logits = m.step(b, s);
                    assertThat(maxAbs(logits, expected)).as(file + " rnn").isLessThanOrEqualTo(OfficialParityTest.LOGIT_TOL);
                }
            }));
        }
        assertThat(tests).hasSize(21);
        return tests;
    }

    /** rwkv.cpp's own expected logits agree with the official code except for v5 (group-norm eps, by design). */
    @ParameterizedTest
    @CsvSource({"4v0-660K", "6v0-1m", "7v0-834K"})
    void rwkvCppExpectedLogitsWhereItAgreesWithTheOfficialCode(String tag) throws IOException {
        float[] expected = floats(Files.readAllBytes(Fixtures.file("tiny-rwkv/expected-logits-" + tag + ".bin")), 0, 256);
        try (Model m = Model.load(Fixtures.file("tiny-rwkv/tiny-rwkv-" + tag + "-FP32.bin"))) {
            float[] logits = m.forward(new int[] {0x22, 0x69, 0x6E}, m.newState());
            assertThat(maxAbs(logits, expected)).isLessThanOrEqualTo(OfficialParityTest.LOGIT_TOL);
        }
    }

    static float[] floats(byte[] bytes, int offset, int n) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = b.getFloat(offset + 4 * i);
        return out;
    }
}
