package dev.jrwkv.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrwkv.generate.ChatFormat;
import dev.jrwkv.generate.GenerationListener;
import dev.jrwkv.generate.Rwkv;
import dev.jrwkv.generate.SamplingParams;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * A soak run: {@code clients} loopback clients send mixed, partly hostile traffic to an in-process
 * server for a given time. Valid completions and chats (streamed and not, many sharing prompt
 * prefixes so that the state cache is hit concurrently, some with {@code n} = 2, one with a long
 * prompt), invalid JSON, bad parameters, prompts over the token limit, bodies over the size limit,
 * clients that hang up mid-stream or mid-body. Every valid answer is compared with its solo run
 * (the library, once per distinct request, before the traffic starts). Heap (after GC) and RSS are
 * sampled throughout. All traffic goes to 127.0.0.1; every request has a timeout.
 *
 * <p>Run for 30 minutes (the README's long run):
 * <pre>
 * java --add-modules jdk.incubator.vector -cp ... dev.jrwkv.server.Soak tiny-rwkv-7v0-834K-FP32.bin 1800 32
 * </pre>
 */
public final class Soak {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The server options a soak runs with: limits small enough that the hostile traffic hits them. */
    static ServerOptions options() {
        return ServerOptions.defaults().withHost("127.0.0.1").withPort(0).withModelName("tiny").withMaxSessions(8).withQueueSize(128)
                .withPromptChunk(64).withCache(32L << 20, null)
                .withLimits(ServerLimits.defaults().withMaxBodyBytes(1 << 20).withMaxPromptTokens(4096).withMaxTokens(4096)
                        .withRequestTimeout(Duration.ofSeconds(120)));
    }

    /** A distinct valid request and the text(s) its choices must have. */
    record Valid(String name, boolean chat, ObjectNode body, List<String> expected) {
    }

    /**
     * Memory at one moment, in bytes: the live heap (used right after a full GC, asked for by the sampler:
     * G1's own after-GC figures lag behind), the heap used before that GC, and the process RSS.
     */
    record Sample(double seconds, long liveHeap, long heapUsed, long rss, long cacheBytes) {

        /** The live heap less the state cache, which fills up to its bound and is not a leak. */
        long liveHeapWithoutCache() {
            return liveHeap - Math.max(0, cacheBytes);
        }
    }

    /**
     * What a soak saw.
     *
     * @param outcomes requests by outcome ({@code ok ...} for valid answers equal to their solo run, the expected error
     *                 codes for hostile ones, {@code MISMATCH} and {@code UNEXPECTED ...} for failures)
     */
    record Report(double seconds, int clients, Map<String, Long> outcomes, List<String> failures, double p50Ms, double p99Ms,
                  List<Sample> samples, String serverAfter) {

        long served() {
            return outcomes.values().stream().mapToLong(Long::longValue).sum();
        }

        long failed() {
            return outcomes.entrySet().stream().filter(e -> e.getKey().startsWith("MISMATCH") || e.getKey().startsWith("UNEXPECTED"))
                    .mapToLong(Map.Entry::getValue).sum();
        }

        long valid() {
            return outcomes.entrySet().stream().filter(e -> e.getKey().startsWith("ok")).mapToLong(Map.Entry::getValue).sum();
        }

        /** Mean of the first and last quarter of the samples, after the first 10% (warm-up). */
        double[] firstLastMb(java.util.function.ToLongFunction<Sample> f) {
            List<Sample> s = samples.subList(samples.size() / 10, samples.size());
            int q = Math.max(1, s.size() / 4);
            return new double[] {s.subList(0, q).stream().mapToLong(f).average().orElse(0) / (1 << 20),
                    s.subList(s.size() - q, s.size()).stream().mapToLong(f).average().orElse(0) / (1 << 20)};
        }

        /** Least-squares slope in MiB per minute, after the warm-up tenth. */
        double slopeMbPerMin(java.util.function.ToLongFunction<Sample> f) {
            List<Sample> s = samples.subList(samples.size() / 10, samples.size());
            double n = s.size(), sx = 0, sy = 0, sxx = 0, sxy = 0;
            for (Sample x : s) {
                double t = x.seconds / 60, y = f.applyAsLong(x) / (double) (1 << 20);
                sx += t;
                sy += y;
                sxx += t * t;
                sxy += t * y;
            }
            double d = n * sxx - sx * sx;
            return d == 0 ? 0 : (n * sxy - sx * sy) / d;
        }

        String render() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "soak: %d clients, %.0f s, %d requests (%.1f/s), %d valid answers all equal to their solo run: %s%n",
                    clients, seconds, served(), served() / seconds, valid(), failed() == 0 ? "yes" : "NO (" + failed() + " failures)"));
            outcomes.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %-44s %8d%n", k, v)));
            sb.append(String.format(Locale.ROOT, "latency of valid requests: p50 %.0f ms, p99 %.0f ms%n", p50Ms, p99Ms));
            double[] h = firstLastMb(Sample::liveHeap), r = firstLastMb(Sample::rss), u = firstLastMb(Sample::heapUsed);
            sb.append(String.format(Locale.ROOT, "live heap:     first quarter %.1f MiB, last quarter %.1f MiB, slope %+.2f MiB/min%n",
                    h[0], h[1], slopeMbPerMin(Sample::liveHeap)));
            double[] w = firstLastMb(Sample::liveHeapWithoutCache);
            sb.append(String.format(Locale.ROOT, "live heap less state cache: first quarter %.1f MiB, last quarter %.1f MiB, slope %+.2f MiB/min%n",
                    w[0], w[1], slopeMbPerMin(Sample::liveHeapWithoutCache)));
            sb.append(String.format(Locale.ROOT, "heap used:     first quarter %.1f MiB, last quarter %.1f MiB, slope %+.2f MiB/min%n",
                    u[0], u[1], slopeMbPerMin(Sample::heapUsed)));
            sb.append(String.format(Locale.ROOT, "RSS:           first quarter %.1f MiB, last quarter %.1f MiB, slope %+.2f MiB/min%n",
                    r[0], r[1], slopeMbPerMin(Sample::rss)));
            sb.append("memory curve (s: live heap / state cache / RSS, MiB):");
            int step = Math.max(1, samples.size() / 12);
            for (int i = 0; i < samples.size(); i += step) {
                Sample s = samples.get(i);
                sb.append(String.format(Locale.ROOT, " %.0f:%.0f/%.0f/%.0f", s.seconds, s.liveHeap / 1048576.0, s.cacheBytes / 1048576.0, s.rss / 1048576.0));
            }
            sb.append('\n').append("after the run: ").append(serverAfter).append('\n');
            for (String f : failures) sb.append("  failure: ").append(f).append('\n');
            return sb.toString();
        }
    }

    private final Rwkv rwkv;
    private final JrwkvServer server;
    private final ServerLimits limits;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    private final List<Valid> valid;

    Soak(Rwkv rwkv, JrwkvServer server, ServerLimits limits) {
        this.rwkv = rwkv;
        this.server = server;
        this.limits = limits;
        this.valid = catalogue();
    }

    /** The distinct valid requests, each with its solo result, computed once with the library. */
    private List<Valid> catalogue() {
        List<Valid> out = new ArrayList<>();
        String village = "Once upon a time, in a small village by the sea, there lived an old fisherman who ";
        String[] endings = {"had a cat.", "had a boat.", "had a dream.", "sang every morning.", "had a cat. The cat", "had a boat. One day"};
        for (int i = 0; i < endings.length; i++) {
            String prompt = village + endings[i];
            boolean greedy = i % 2 == 0;
            int max = 16 + 8 * (i % 4);
            SamplingParams p = new SamplingParams(max, greedy ? 0 : 0.9f, greedy ? 1 : 0.9f, 0, 0, 0, 0, 1, greedy ? null : 1000L + i,
                    Set.of(), Set.of(), List.of(), Map.of());
            ObjectNode b = JSON.createObjectNode().put("prompt", prompt).put("max_tokens", max).put("temperature", greedy ? 0 : 0.9);
            if (!greedy) b.put("top_p", 0.9).put("seed", 1000 + i);
            out.add(new Valid("completion " + i, false, b, List.of(solo(prompt, p))));
        }
        // the village prompt alone: every request above extends it, so its state is the shared prefix
        SamplingParams vp = new SamplingParams(24, 1, 1, 0, 0, 0.5f, 0, 1, 7L, Set.of(), Set.of(), List.of(), Map.of());
        out.add(new Valid("completion prefix", false, JSON.createObjectNode().put("prompt", village).put("max_tokens", 24).put("seed", 7)
                .put("presence_penalty", 0.5), List.of(solo(village, vp))));
        // n = 2: choices with seeds 50 and 51
        ObjectNode nb = JSON.createObjectNode().put("prompt", village + "had two sons.").put("max_tokens", 20).put("seed", 50).put("n", 2);
        List<String> ns = new ArrayList<>();
        for (int j = 0; j < 2; j++) {
            ns.add(solo(village + "had two sons.", new SamplingParams(20, 1, 1, 0, 0, 0, 0, 1, 50L + j, Set.of(), Set.of(), List.of(), Map.of())));
        }
        out.add(new Valid("completion n=2", false, nb, ns));
        // stop strings
        SamplingParams sp = new SamplingParams(40, 0, 1, 0, 0, 0, 0, 1, null, Set.of(), Set.of(), List.of("e t", "."), Map.of());
        ObjectNode sb = JSON.createObjectNode().put("prompt", village + "said").put("max_tokens", 40).put("temperature", 0);
        sb.putArray("stop").add("e t").add(".");
        out.add(new Valid("completion stop", false, sb, List.of(solo(village + "said", sp))));
        // a long prompt, under the token limit
        String longPrompt = "The quick brown fox jumps over the lazy dog. ".repeat(60);
        SamplingParams lp = new SamplingParams(8, 0, 1, 0, 0, 0, 0, 1, null, Set.of(), Set.of(), List.of(), Map.of());
        out.add(new Valid("completion long prompt", false, JSON.createObjectNode().put("prompt", longPrompt).put("max_tokens", 8).put("temperature", 0),
                List.of(solo(longPrompt, lp))));
        // chats sharing a system prompt
        String[] questions = {"Tell me about the sea.", "What does the fisherman eat?", "Tell me about the sea. And the sky?"};
        for (int i = 0; i < questions.length; i++) {
            List<ChatFormat.Message> ms = List.of(new ChatFormat.Message("system", "You are a helpful old fisherman."), new ChatFormat.Message("user", questions[i]));
            SamplingParams cp = new SamplingParams(32, i == 1 ? 0.8f : 0, 1, 0, 0, 0, 0, 1, i == 1 ? 77L : null, Set.of(), Set.of(),
                    List.of(ChatFormat.STOP), Map.of());
            ObjectNode b = JSON.createObjectNode().put("max_tokens", 32).put("temperature", i == 1 ? 0.8 : 0);
            if (i == 1) b.put("seed", 77);
            var arr = b.putArray("messages");
            for (ChatFormat.Message m : ms) arr.addObject().put("role", m.role()).put("content", m.content());
            out.add(new Valid("chat " + i, true, b, List.of(ChatFormat.answer(solo(ChatFormat.render(ms), cp)))));
        }
        return List.copyOf(out);
    }

    private String solo(String prompt, SamplingParams p) {
        return rwkv.generate(prompt, p, GenerationListener.NONE).text();
    }

    /** Runs the traffic for {@code duration}, sampling memory every {@code sampleEvery}. */
    Report run(Duration duration, int clients, Duration sampleEvery) throws Exception {
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Thread sampler = Thread.ofPlatform().daemon(true).name("soak-sampler").start(() -> {
                try {
                    while (System.nanoTime() < end) {
                        samples.add(sample(start));
                        Thread.sleep(sampleEvery.toMillis());
                    }
                } catch (InterruptedException done) {
                    Thread.currentThread().interrupt();
                }
            });
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                Random random = new Random(31L * c + 17);
                fs.add(pool.submit(() -> {
                    while (System.nanoTime() < end) one(random);
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
            sampler.interrupt();
            sampler.join();
        }
        samples.add(sample(start));
        double seconds = (System.nanoTime() - start) / 1e9;
        // every slot and queue place comes back once the traffic stops
        String after = settle();
        List<Long> lat = new ArrayList<>(latencies);
        Collections.sort(lat);
        Map<String, Long> counts = new TreeMap<>();
        outcomes.forEach((k, v) -> counts.put(k, v.sum()));
        return new Report(seconds, clients, counts, List.copyOf(failures.subList(0, Math.min(20, failures.size()))),
                percentile(lat, 0.50), percentile(lat, 0.99), List.copyOf(samples), after);
    }

    private static double percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) return 0;
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) / 1e6;
    }

    /** Waits (bounded) for the server to be idle; returns its gauges. */
    private String settle() throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        String m = "";
        while (System.nanoTime() < deadline) {
            m = get("/metrics");
            if (gauge(m, "jrwkv_active_sessions") == 0 && gauge(m, "jrwkv_queue_depth") == 0) break;
            Thread.sleep(100);
        }
        return String.format(Locale.ROOT, "active_sessions=%d queue_depth=%d open_connections=%d time_limited=%d cache_entries=%d cache_bytes=%d cache_hits=%d",
                gauge(m, "jrwkv_active_sessions"), gauge(m, "jrwkv_queue_depth"), gauge(m, "jrwkv_open_connections"),
                gauge(m, "jrwkv_time_limited_total"), gauge(m, "jrwkv_cache_entries"), gauge(m, "jrwkv_cache_bytes"), gauge(m, "jrwkv_cache_hits_total"));
    }

    static long gauge(String metrics, String name) {
        for (String line : metrics.split("\n")) if (line.startsWith(name + " ")) return (long) Double.parseDouble(line.substring(name.length() + 1));
        return -1;
    }

    private String get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(server.uri().resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    private Sample sample(long start) {
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        System.gc();        // a full GC (tens of ms on this heap): what is left is what the server holds on to
        long live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return new Sample((System.nanoTime() - start) / 1e9, live, used, rss(), gauge(get("/metrics"), "jrwkv_cache_bytes"));
    }

    /** Resident set size from /proc (Linux); 0 elsewhere. */
    static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return 0;
    }

    private void count(String outcome) {
        outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }

    private void fail(String outcome, String detail) {
        count(outcome);
        if (failures.size() < 100) failures.add(outcome + ": " + detail);
    }

    /** One request of a random kind. */
    private void one(Random random) {
        int r = random.nextInt(100);
        String kind = r < 55 ? "valid" : r < 63 ? "invalid JSON" : r < 68 ? "bad value" : r < 71 ? "max_tokens" : r < 76 ? "huge prompt"
                : r < 79 ? "huge body" : r < 92 ? "hang-up stream" : "hang-up body";
        try {
            if (r < 55) valid(valid.get(random.nextInt(valid.size())), random.nextBoolean());
            else if (r < 63) expectError("/v1/completions", "{\"prompt\": \"broken\", \"max_tokens\": ", 400, "invalid_json");
            else if (r < 68) expectError("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"temperature\": 7}", 400, "invalid_value");
            else if (r < 71) expectError("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": " + (limits.maxTokens() + 1) + "}", 400, "invalid_value");
            else if (r < 76) expectError("/v1/completions", JSON.createObjectNode().put("prompt", "z".repeat(limits.maxPromptTokens() + 100 + random.nextInt(100_000)))
                    .put("max_tokens", 4).toString(), 400, "context_length_exceeded");
            else if (r < 79) expectError("/v1/completions", "{\"prompt\": \"" + "w".repeat(limits.maxBodyBytes() + random.nextInt(1 << 20)) + "\"}", 413, "request_too_large");
            else if (r < 92) hangUpMidStream(random);
            else hangUpMidBody();
        } catch (Exception e) {
            fail("UNEXPECTED exception", kind + ": " + e);
        }
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(server.uri().resolve(path)).timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void valid(Valid v, boolean stream) throws IOException, InterruptedException {
        ObjectNode body = v.body().deepCopy();
        if (stream) body.put("stream", true);
        long t0 = System.nanoTime();
        HttpResponse<String> r = post(v.chat() ? "/v1/chat/completions" : "/v1/completions", body.toString());
        long latency = System.nanoTime() - t0;
        if (r.statusCode() != 200) {
            fail("UNEXPECTED status " + r.statusCode(), v.name() + ": " + abbreviate(r.body()));
            return;
        }
        String[] texts = new String[v.expected().size()];
        if (stream) {
            StringBuilder[] sb = new StringBuilder[texts.length];
            for (int i = 0; i < sb.length; i++) sb[i] = new StringBuilder();
            for (JsonNode e : TestServer.events(r.body())) {
                JsonNode c = e.get("choices").get(0);
                if (c == null) continue;
                sb[c.get("index").asInt()].append(v.chat() ? c.path("delta").path("content").asText("") : c.get("text").asText());
            }
            for (int i = 0; i < texts.length; i++) texts[i] = sb[i].toString();
        } else {
            JsonNode choices = TestServer.json(r.body()).get("choices");
            for (int i = 0; i < texts.length; i++) {
                texts[i] = v.chat() ? choices.get(i).get("message").get("content").asText() : choices.get(i).get("text").asText();
            }
        }
        for (int i = 0; i < texts.length; i++) {
            if (!texts[i].equals(v.expected().get(i))) {
                fail("MISMATCH", v.name() + (stream ? " (stream)" : "") + " choice " + i + ": got " + abbreviate(texts[i]) + ", solo " + abbreviate(v.expected().get(i)));
                return;
            }
        }
        latencies.add(latency);
        count("ok " + (v.chat() ? "chat" : "completion") + (stream ? " stream" : ""));
    }

    private void expectError(String path, String body, int status, String code) throws IOException, InterruptedException {
        HttpResponse<String> r = post(path, body);
        String got = r.statusCode() == status ? TestServer.json(r.body()).path("error").path("code").asText() : null;
        if (code.equals(got)) count(status + " " + code);
        else fail("UNEXPECTED status " + r.statusCode(), "wanted " + status + " " + code + ": " + abbreviate(r.body()));
    }

    /** A streaming request on a raw socket, closed after the first event (sometimes with a reset). */
    private void hangUpMidStream(Random random) throws IOException {
        String body = JSON.createObjectNode().put("prompt", "A long story number " + random.nextInt(1000) + ": ").put("max_tokens", 3000)
                .put("seed", random.nextInt(1000)).put("stream", true).toString();
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(60_000);
            if (random.nextBoolean()) s.setSoLinger(true, 0);      // close with a RST instead of a FIN
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String status = in.readLine();
            if (status == null || !status.startsWith("HTTP/1.1 200")) {
                fail("UNEXPECTED status", "hang-up stream: " + status);
                return;
            }
            int events = 1 + random.nextInt(20);
            for (String line; (line = in.readLine()) != null; ) if (line.startsWith("data: {") && --events == 0) break;
        }
        count("hung up mid-stream");
    }

    /** Headers and part of the body, then a close. */
    private void hangUpMidBody() throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\n{\"messages\": [{\"ro"
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        }
        count("hung up mid-body");
    }

    private static String abbreviate(String s) {
        return s.length() <= 160 ? s : s.substring(0, 160) + "...";
    }

    /** {@code Soak MODEL SECONDS [CLIENTS [SAMPLE_SECONDS]]}: prints the report; exits 1 when any answer was wrong or unexpected. */
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: Soak MODEL SECONDS [CLIENTS [SAMPLE_SECONDS]]");
            System.exit(2);
        }
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        Duration sampleEvery = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 5);
        ServerOptions options = options();
        try (Rwkv rwkv = Rwkv.load(Path.of(args[0])); JrwkvServer server = JrwkvServer.start(rwkv, options)) {
            Report report = new Soak(rwkv, server, options.limits()).run(Duration.ofSeconds(Long.parseLong(args[1])), clients, sampleEvery);
            System.out.print(report.render());
            System.out.flush();
            if (report.failed() > 0) System.exit(1);
        }
    }
}
