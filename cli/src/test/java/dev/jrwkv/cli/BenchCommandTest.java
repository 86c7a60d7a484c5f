package dev.jrwkv.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class BenchCommandTest {

    @Test
    void jsonHasTheDocumentedFields() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int rc = Main.commandLine(StdStreams.of(out, err)).execute("bench", Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-Q5_1.bin").toString(),
                "--decode", "8", "--prefill", "16", "--runs", "2", "--threads", "1", "--json");
        assertThat(rc).as(err.toString()).isZero();
        JsonNode j = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        for (String f : new String[] {"decode_tok_s", "prefill_tok_s"}) {
            assertThat(j.get(f).get("min").asDouble()).isPositive();
            assertThat(j.get(f).get("median").asDouble()).isBetween(j.get(f).get("min").asDouble(), j.get(f).get("max").asDouble());
        }
        assertThat(j.get("peak_rss_bytes").asLong()).isPositive();
        assertThat(j.get("load_s").asDouble()).isPositive();
        assertThat(j.get("threads").asInt()).isEqualTo(1);
        assertThat(j.get("model").get("layers").asInt()).isEqualTo(12);
        long file = j.get("model").get("file_bytes").asLong();
        assertThat(file).isEqualTo(java.nio.file.Files.size(Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-Q5_1.bin")));
        if (java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/self/status"))) {
            long anon = j.get("rss_anon_bytes").asLong(), mapped = j.get("rss_file_bytes").asLong();
            assertThat(anon).isPositive();
            assertThat(mapped).isPositive();
            assertThat(anon + mapped).isLessThanOrEqualTo(j.get("peak_rss_bytes").asLong());
            assertThat(j.get("peak_rss_per_file_size").asDouble()).isCloseTo((double) j.get("peak_rss_bytes").asLong() / file,
                    org.assertj.core.data.Offset.offset(1e-9));
        }
    }

    @Test
    void reportsWeightsReadPerTokenAndTheBandwidthLimit() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int rc = Main.commandLine(StdStreams.of(out, err)).execute("bench", Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-FP32.bin").toString(),
                "--decode", "4", "--prefill", "0", "--runs", "1", "--threads", "1", "--json", "--bandwidth");
        assertThat(rc).as(err.toString()).isZero();
        JsonNode j = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        // 829,888 float parameters, less the 256 x 64 embedding but for the one row a token reads
        assertThat(j.get("weight_bytes_per_token").asLong()).isEqualTo(4L * 829_888 - 4L * 256 * 64 + 4L * 64);
        double bandwidth = j.get("read_bandwidth_bytes_s").asDouble();
        assertThat(bandwidth).isGreaterThan(1e8);
        assertThat(j.get("decode_limit_tok_s").asDouble()).isCloseTo(bandwidth / j.get("weight_bytes_per_token").asLong(), org.assertj.core.data.Percentage.withPercentage(1e-6));
        assertThat(j.get("decode_fraction_of_limit").asDouble()).isPositive();
    }

    @Test
    void badFlagsAreUserErrors() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int rc = Main.commandLine(StdStreams.of(out, err)).execute("bench", Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-Q5_1.bin").toString(), "--runs", "0");
        assertThat(rc).isEqualTo(Main.USER_ERROR);
        assertThat(err.toString()).contains("--runs");
    }

    @Test
    void contextSweepWritesCsvAndPlot(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        java.nio.file.Path prefix = dir.resolve("sweep");
        int rc = Main.commandLine(StdStreams.of(out, err)).execute("bench", Fixtures.file("tiny-rwkv/tiny-rwkv-7v0-834K-Q5_1.bin").toString(),
                "--context-sweep", "16,64", "--decode", "2", "--threads", "1", "--sweep-out", prefix.toString());
        assertThat(rc).as(err.toString()).isZero();
        java.util.List<String> csv = java.nio.file.Files.readAllLines(dir.resolve("sweep.csv"));
        assertThat(csv).hasSize(3);
        assertThat(csv.get(0)).startsWith("context,rwkv_ms_per_token");
        String[] last = csv.get(2).split(",");
        assertThat(last[0]).isEqualTo("64");
        // the RWKV state has one size at every context; the KV cache grows with it (2 x layers x context x width floats)
        assertThat(csv.get(1).split(",")[2]).isEqualTo(last[2]);
        assertThat(Long.parseLong(last[4])).isEqualTo(2L * 12 * 64 * 64 * 4);
        assertThat(javax.imageio.ImageIO.read(dir.resolve("sweep.png").toFile()).getWidth()).isPositive();
    }

    @Test
    void contextLengthsAcceptK() {
        assertThat(BenchCommand.contextLength("4k")).isEqualTo(4096);
        assertThat(BenchCommand.contextLength("100000")).isEqualTo(100000);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchCommand.contextLength("x"))
                .hasMessageContaining("--context-sweep");
    }
}
