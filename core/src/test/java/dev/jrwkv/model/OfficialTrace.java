package dev.jrwkv.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jrwkv.Fixtures;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One trace of the official implementation ({@code fixtures/official/NAME.trace.json} + {@code .bin}):
 * prompt ids, greedy ids, logits per position, and the official state list flattened.
 */
record OfficialTrace(String name, int[] promptIds, int[] greedyIds, float[] quoteIn, float[][] promptLogits,
                     float[][] greedyLogits, float[] stateAfterPrompt, float[] stateAfterGreedy) {

    static OfficialTrace load(String name) {
        Path json = Fixtures.file("official/" + name + ".trace.json");
        Path bin = Fixtures.file("official/" + name + ".trace.bin");
        try {
            JsonNode root = new ObjectMapper().readTree(json.toFile());
            ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(bin)).order(ByteOrder.LITTLE_ENDIAN);
            float[][] sections = new float[5][];
            String[] names = {"quote_in_logits", "prompt_logits", "greedy_logits", "state_after_prompt", "state_after_greedy"};
            for (JsonNode s : root.get("sections")) {
                int idx = java.util.Arrays.asList(names).indexOf(s.get("name").asText());
                if (idx < 0) continue;
                int off = s.get("offset_bytes").asInt();
                float[] v = new float[s.get("nbytes").asInt() / 4];
                for (int i = 0; i < v.length; i++) v[i] = data.getFloat(off + 4 * i);
                sections[idx] = v;
            }
            int vocab = sections[0].length;
            return new OfficialTrace(name, ints(root.get("prompt_ids")), ints(root.get("greedy_ids")), sections[0],
                    rows(sections[1], vocab), rows(sections[2], vocab), sections[3], sections[4]);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read trace " + name, e);
        }
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    private static float[][] rows(float[] flat, int width) {
        float[][] out = new float[flat.length / width][];
        for (int r = 0; r < out.length; r++) out[r] = java.util.Arrays.copyOfRange(flat, r * width, (r + 1) * width);
        return out;
    }

    static float maxAbs(float[] a, float[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("lengths " + a.length + " vs " + b.length);
        float m = 0f;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    /** max |a - b| / max(1, |b|): states hold values of very different scales (v4's aa, bb, pp). */
    static float maxRel(float[] a, float[] b) {
        float m = 0f;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1f, Math.abs(b[i])));
        return m;
    }
}
