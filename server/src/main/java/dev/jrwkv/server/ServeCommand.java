package dev.jrwkv.server;

import dev.jrwkv.generate.Rwkv;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code jrwkv serve MODEL}: loads a model and serves the OpenAI API until stopped.
 *
 * <pre>
 * jrwkv serve model.pth --port 8080 --max-sessions 8 --api-key secret --states states/
 * curl http://127.0.0.1:8080/v1/chat/completions -H 'Authorization: Bearer secret' \
 *      -d '{"messages": [{"role": "user", "content": "Hi"}], "stream": true}'
 * </pre>
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model over an OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions, /v1/models, /health, /metrics).",
                "Sessions are decoded together in one batched forward per step; prompts that extend an earlier one restart from its cached state."})
public final class ServeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "model file (.pth, .safetensors, .gguf, rwkv.cpp .bin)")
    Path model;

    @Option(names = "--host", description = "interface to bind (default: ${DEFAULT-VALUE}, loopback only)")
    String host = ServerOptions.defaults().host();

    @Option(names = "--port", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port = ServerOptions.defaults().port();

    @Option(names = "--max-sessions", description = "sequences decoded together (default: ${DEFAULT-VALUE})")
    int maxSessions = ServerOptions.defaults().maxSessions();

    @Option(names = "--queue", description = "sequences that may wait for a slot before requests get 429 (default: ${DEFAULT-VALUE})")
    int queue = ServerOptions.defaults().queueSize();

    @Option(names = "--api-key", defaultValue = "${env:JRWKV_API_KEY}",
            description = "require Authorization: Bearer KEY on every request but /health (default: $JRWKV_API_KEY, else none)")
    String apiKey;

    @Option(names = "--states", paramLabel = "DIR", description = "folder of named initial states: a request's \"state\": \"NAME\" reads DIR/NAME.state")
    Path states;

    @Option(names = "--model-name", description = "the model id the API reports (default: the file name without extension)")
    String modelName;

    @Option(names = "--cache-mb", description = "memory for the state cache in MiB; 0 turns it off (default: ${DEFAULT-VALUE})")
    long cacheMb = ServerOptions.defaults().cacheBytes() >> 20;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "spill cached states pushed out of memory to this folder")
    Path cacheDir;

    @Option(names = "--prompt-chunk", description = "prompt tokens read per step, shared by new sessions (default: ${DEFAULT-VALUE})")
    int promptChunk = ServerOptions.defaults().promptChunk();

    @Option(names = "--max-body-mb", description = "largest request body in MiB; 413 beyond (default: ${DEFAULT-VALUE})")
    int maxBodyMb = ServerLimits.defaults().maxBodyBytes() >> 20;

    @Option(names = "--max-tokens-limit", description = "largest max_tokens a request may ask for; 400 beyond (default: ${DEFAULT-VALUE})")
    int maxTokensLimit = ServerLimits.defaults().maxTokens();

    @Option(names = "--max-n", description = "largest n (choices per prompt); 400 beyond (default: ${DEFAULT-VALUE})")
    int maxN = ServerLimits.defaults().maxN();

    @Option(names = "--max-prompt-tokens", description = "prompt tokens per request, all prompts together; 400 beyond (default: ${DEFAULT-VALUE})")
    int maxPromptTokens = ServerLimits.defaults().maxPromptTokens();

    @Option(names = "--request-timeout", paramLabel = "SECONDS",
            description = "time limit of a request: generation then ends with finish_reason length, or a 503 if none began (default: ${DEFAULT-VALUE})")
    long requestTimeout = ServerLimits.defaults().requestTimeout().toSeconds();

    @Option(names = "--read-timeout", paramLabel = "SECONDS",
            description = "time a client has to send a request's headers, and again its body; slower ones are disconnected (default: ${DEFAULT-VALUE})")
    long readTimeout = ServerLimits.defaults().readTimeout().toSeconds();

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", description = "close connections idle this long (default: ${DEFAULT-VALUE})")
    long idleTimeout = ServerLimits.defaults().idleTimeout().toSeconds();

    @Option(names = "--max-header-kb", description = "request line and headers in KiB; 431 beyond (default: ${DEFAULT-VALUE})")
    int maxHeaderKb = ServerLimits.defaults().maxHeaderBytes() >> 10;

    @Option(names = "--max-headers", description = "request header fields; 431 beyond (default: ${DEFAULT-VALUE})")
    int maxHeaders = ServerLimits.defaults().maxHeaderCount();

    @Option(names = "--max-connections", description = "open connections; more wait to be accepted (default: ${DEFAULT-VALUE})")
    int maxConnections = ServerLimits.defaults().maxConnections();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The server options these arguments describe. */
    ServerOptions options() {
        String name = modelName;
        if (name == null) {
            name = model.getFileName().toString();
            int dot = name.lastIndexOf('.');
            if (dot > 0) name = name.substring(0, dot);
        }
        return ServerOptions.defaults().withHost(host).withPort(port).withMaxSessions(maxSessions).withQueueSize(queue)
                .withApiKey(apiKey).withStatesDir(states).withModelName(name).withCache(cacheMb << 20, cacheDir).withPromptChunk(promptChunk)
                .withLimits(new ServerLimits(Math.toIntExact((long) maxBodyMb << 20), maxTokensLimit, maxN, maxPromptTokens,
                        Duration.ofSeconds(requestTimeout), Duration.ofSeconds(readTimeout), Duration.ofSeconds(idleTimeout),
                        Math.toIntExact((long) maxHeaderKb << 10), maxHeaders, maxConnections));
    }

    @Override
    public Integer call() throws InterruptedException {
        ServerOptions options = options();
        PrintWriter out = spec.commandLine().getOut();
        try (Rwkv rwkv = Rwkv.load(model); JrwkvServer server = JrwkvServer.start(rwkv, options)) {
            out.println("jrwkv: serving " + options.modelName() + " (" + rwkv.model().config().summary() + ") on " + server.uri()
                    + "/v1, " + options.maxSessions() + " sessions" + (options.apiKey() != null ? ", API key required" : ""));
            out.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            server.join();
        }
        return 0;
    }

    /** Runs the command alone (the CLI registers it as a subcommand of {@code jrwkv}). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new ServeCommand()).execute(args));
    }
}
