package dev.jrwkv.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrwkv.JrwkvException;
import dev.jrwkv.generate.ChatFormat;
import dev.jrwkv.generate.FinishReason;
import dev.jrwkv.generate.Rwkv;
import dev.jrwkv.generate.SequenceDecoder;
import dev.jrwkv.model.State;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The OpenAI-compatible API: routes, authentication, request bodies, JSON and server-sent-event
 * answers. Runs on Jetty's virtual threads, so waiting for the scheduler's events and writing to a
 * slow client are plain blocking calls that hold no platform thread.
 */
final class ApiHandler extends Handler.Abstract {
    private static final System.Logger LOG = System.getLogger(ApiHandler.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Rwkv rwkv;
    private final ServerOptions options;
    private final BatchScheduler scheduler;
    private final Metrics metrics;
    private final NamedStates states;
    private final RequestParser parser;
    private final byte[] apiKey;
    private final long created = Instant.now().getEpochSecond();
    /** How long past its time limit a request waits for the scheduler before it is declared stuck. */
    private static final long STUCK_GRACE_NANOS = TimeUnit.SECONDS.toNanos(30);

    ApiHandler(Rwkv rwkv, ServerOptions options, BatchScheduler scheduler, Metrics metrics, NamedStates states) {
        this.rwkv = rwkv;
        this.options = options;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.states = states;
        this.parser = new RequestParser(rwkv.tokenizer(), rwkv.model().config().vocab(), options);
        this.apiKey = options.apiKey() == null ? null : ("Bearer " + options.apiKey()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        String method = request.getMethod();
        String endpoint = switch (path) {
            case "/v1/completions", "/v1/chat/completions", "/v1/models", "/health", "/metrics" -> path;
            default -> path.startsWith("/v1/models/") ? "/v1/models/{id}" : "other";
        };
        int status;
        try {
            // Jetty bounds the bytes of the headers (431); their number is bounded here
            if (request.getHeaders().size() > options.limits().maxHeaderCount()) {
                throw new ApiException(431, "invalid_request_error", null, "too_many_headers",
                        "the request has " + request.getHeaders().size() + " header fields; this server accepts at most " + options.limits().maxHeaderCount());
            }
            if (!path.equals("/health")) authorize(request);
            status = switch (endpoint) {
                case "/health" -> json(response, callback, 200, JSON.createObjectNode().put("status", "ok"));
                case "/metrics" -> {
                    expect(method, "GET");
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                    Content.Sink.write(response, true, metrics.render(), callback);
                    yield 200;
                }
                case "/v1/models" -> {
                    expect(method, "GET");
                    ObjectNode list = JSON.createObjectNode().put("object", "list");
                    list.putArray("data").add(modelObject());
                    yield json(response, callback, 200, list);
                }
                case "/v1/models/{id}" -> {
                    expect(method, "GET");
                    String id = path.substring("/v1/models/".length());
                    if (!id.equals(options.modelName())) {
                        throw new ApiException(404, "invalid_request_error", "model", "model_not_found", "The model '" + id + "' does not exist");
                    }
                    yield json(response, callback, 200, modelObject());
                }
                case "/v1/completions" -> generate(request, response, callback, false);
                case "/v1/chat/completions" -> generate(request, response, callback, true);
                default -> throw new ApiException(404, "invalid_request_error", null, "not_found", "no route for " + method + " " + path);
            };
        } catch (ApiException e) {
            status = error(response, callback, e);
        } catch (QueueFullException e) {
            status = error(response, callback, new ApiException(429, "rate_limit_error", null, "queue_full", e.getMessage()));
        } catch (JrwkvException e) {
            status = error(response, callback, new ApiException(503, "server_error", null, "unavailable", e.getMessage()));
        } catch (RuntimeException | IOException e) {
            LOG.log(System.Logger.Level.ERROR, "request " + method + " " + path + " failed", e);
            status = error(response, callback, new ApiException(500, "server_error", null, "internal_error", "internal error: " + e));
        }
        metrics.request(endpoint, status);
        return true;
    }

    private void authorize(Request request) {
        if (apiKey == null) return;
        String h = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (h == null || !MessageDigest.isEqual(apiKey, h.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(401, "invalid_request_error", null, "invalid_api_key",
                    h == null ? "missing API key: send Authorization: Bearer KEY" : "incorrect API key");
        }
    }

    private static void expect(String method, String wanted) {
        if (!method.equals(wanted)) throw new ApiException(405, "invalid_request_error", null, "method_not_allowed", "use " + wanted);
    }

    private ObjectNode modelObject() {
        return JSON.createObjectNode().put("id", options.modelName()).put("object", "model").put("created", created).put("owned_by", "jrwkv");
    }

    private int generate(Request request, Response response, Callback callback, boolean chat) throws IOException {
        expect(request.getMethod(), "POST");
        ApiRequest r = parser.parse(readJson(request), chat);
        State initial = r.stateName() == null ? null : states.resolve(r.stateName());
        String base = r.stateName() == null ? "" : "state:" + r.stateName();

        LinkedBlockingQueue<SessionEvent> events = new LinkedBlockingQueue<>();
        List<Session> sessions = new ArrayList<>();
        long deadline = System.nanoTime() + options.limits().requestTimeout().toNanos();
        for (int p = 0; p < r.prompts().size(); p++) {
            for (int j = 0; j < r.n(); j++) {
                sessions.add(new Session(p * r.n() + j, base, initial, r.prompts().get(p),
                        new SequenceDecoder(rwkv.tokenizer(), r.paramsOfChoice(j)), events::add, deadline));
            }
        }
        scheduler.submit(sessions);
        Reply reply = new Reply(r, "%s-%s".formatted(chat ? "chatcmpl" : "cmpl", UUID.randomUUID().toString().replace("-", "")),
                Instant.now().getEpochSecond(), sessions.size(), deadline + STUCK_GRACE_NANOS);
        try {
            return r.stream() ? stream(reply, events, response, callback) : whole(reply, events, response, callback);
        } finally {
            for (Session s : sessions) if (!reply.finished[s.index]) scheduler.cancel(s);
        }
    }

    /**
     * The body as JSON. The whole body must arrive within the read timeout: a client dribbling a byte
     * now and then (slow POST) would otherwise hold a virtual thread and a connection for ever, since
     * each byte resets the idle timeout.
     */
    private JsonNode readJson(Request request) {
        int max = options.limits().maxBodyBytes();
        long length = request.getLength();
        if (length > max) {
            drain(request, length);
            throw tooLarge(length);
        }
        CompletableFuture<byte[]> read = Content.Source.asByteArrayAsync(request, max + 1);
        byte[] body;
        try {
            body = read.get(options.limits().readTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            read.cancel(false);
            throw new ApiException(408, "invalid_request_error", null, "request_timeout",
                    "the request body did not arrive within " + options.limits().readTimeout().toMillis() + " ms");
        } catch (ExecutionException e) {
            // a broken connection is an IOException; the other failure is Jetty's "max size exceeded" (a chunked body over the bound)
            if (!(e.getCause() instanceof IOException)) throw tooLarge(-1);
            throw new ApiException(400, "invalid_request_error", null, "bad_body", "cannot read the request body: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JrwkvException("interrupted while reading a request");
        }
        if (body.length > max) throw tooLarge(-1);
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "invalid_request_error", null, "invalid_json", "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {      // reading a byte array: only malformed input gets here
            throw new ApiException(400, "invalid_request_error", null, "invalid_json", "the body is not valid JSON: " + e.getMessage());
        }
    }

    /**
     * Reads and drops a declared body over the limit when it is not absurd (at most 4 times the limit, within the
     * read timeout), so that the 413 reaches the client: closing with unread bytes makes the kernel send a reset,
     * and a client still sending then often loses the answer. Larger bodies are refused without reading them.
     */
    private void drain(Request request, long length) {
        if (length > 4L * options.limits().maxBodyBytes()) return;
        Callback.Completable done = new Callback.Completable();
        Content.Source.consumeAll(request, done);
        try {
            done.get(options.limits().readTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            done.cancel(false);      // a slow or broken client: the connection closes after the 413 anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ApiException tooLarge(long length) {
        return new ApiException(413, "invalid_request_error", null, "request_too_large",
                "the request body" + (length > 0 ? " (" + length + " bytes)" : "") + " is larger than the server's limit of " + options.limits().maxBodyBytes() + " bytes");
    }

    /** What is known of the answer so far, per choice. */
    private static final class Reply {
        final ApiRequest request;
        final String id;
        final long created;
        final StringBuilder[] text;
        final boolean[] finished;
        final boolean[] started;
        final String[] finishReason;
        /** {@link System#nanoTime()} after which the scheduler must have ended every choice: past it, the request is stuck. */
        final long giveUp;
        int promptTokens, cachedTokens, completionTokens, open;

        Reply(ApiRequest request, String id, long created, int choices, long giveUp) {
            this.giveUp = giveUp;
            this.request = request;
            this.id = id;
            this.created = created;
            this.text = new StringBuilder[choices];
            for (int i = 0; i < choices; i++) text[i] = new StringBuilder();
            this.finished = new boolean[choices];
            this.started = new boolean[choices];
            this.finishReason = new String[choices];
            this.open = choices;
        }

        /** The visible text of an event: in a chat, the answer's leading space (after "Assistant:") is dropped. */
        String visible(SessionEvent.Text t) {
            String s = t.text();
            if (request.chat() && !started[t.index()]) {
                started[t.index()] = true;
                s = ChatFormat.answer(s);
            }
            return s;
        }

        void finish(SessionEvent.Finished f) {
            finished[f.index()] = true;
            open--;
            finishReason[f.index()] = f.reason() == FinishReason.LENGTH ? "length" : "stop";
            if (f.index() % request.n() == 0) {    // a prompt counts once, whatever n
                promptTokens += f.promptTokens();
                cachedTokens += f.cachedTokens();
            }
            completionTokens += f.completionTokens();
        }

        ObjectNode usage() {
            ObjectNode u = JSON.createObjectNode().put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
                    .put("total_tokens", promptTokens + completionTokens);
            u.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
            return u;
        }
    }

    private int whole(Reply reply, LinkedBlockingQueue<SessionEvent> events, Response response, Callback callback) {
        while (reply.open > 0) {
            SessionEvent e = take(events, reply);
            switch (e) {
                case SessionEvent.Text t -> reply.text[t.index()].append(reply.visible(t));
                case SessionEvent.Finished f -> reply.finish(f);
                case SessionEvent.Failed f -> throw failure(f);
            }
        }
        ObjectNode body = envelope(reply, reply.request.chat() ? "chat.completion" : "text_completion");
        ArrayNode choices = body.putArray("choices");
        for (int i = 0; i < reply.text.length; i++) {
            ObjectNode c = choices.addObject().put("index", i);
            if (reply.request.chat()) c.putObject("message").put("role", "assistant").put("content", reply.text[i].toString()).putNull("refusal");
            else c.put("text", reply.text[i].toString());
            c.putNull("logprobs");
            c.put("finish_reason", reply.finishReason[i]);
        }
        body.set("usage", reply.usage());
        return json(response, callback, 200, body);
    }

    private int stream(Reply reply, LinkedBlockingQueue<SessionEvent> events, Response response, Callback callback) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        boolean chat = reply.request.chat();
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
            if (chat) {
                for (int i = 0; i < reply.text.length; i++) send(out, chunk(reply, i, JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
            }
            List<SessionEvent> batch = new ArrayList<>();
            StringBuilder pending = new StringBuilder();
            while (reply.open > 0) {
                // whatever has arrived since the last write goes out in one write: fewer syscalls when the client lags
                batch.add(take(events, reply));
                events.drainTo(batch);
                for (SessionEvent e : batch) {
                    switch (e) {
                        case SessionEvent.Text t -> {
                            String s = reply.visible(t);
                            if (!s.isEmpty()) {
                                event(pending, chat ? chunk(reply, t.index(), JSON.createObjectNode().put("content", s), null)
                                        : chunk(reply, t.index(), s, null));
                            }
                        }
                        case SessionEvent.Finished f -> {
                            reply.finish(f);
                            event(pending, chat ? chunk(reply, f.index(), JSON.createObjectNode(), reply.finishReason[f.index()])
                                    : chunk(reply, f.index(), "", reply.finishReason[f.index()]));
                        }
                        case SessionEvent.Failed f -> {
                            ApiException a = failure(f);
                            ObjectNode err = JSON.createObjectNode();
                            err.putObject("error").put("message", a.getMessage()).put("type", a.type()).putNull("param").put("code", a.code());
                            event(pending, err);
                            write(out, pending);
                            callback.succeeded();
                            return 200;
                        }
                    }
                }
                batch.clear();
                write(out, pending);
            }
            if (reply.request.includeUsage()) {
                ObjectNode u = envelope(reply, chat ? "chat.completion.chunk" : "text_completion");
                u.putArray("choices");
                u.set("usage", reply.usage());
                send(out, u);
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException gone) {
            // the client went away: the finally of generate() frees its slots at the next step
            callback.failed(gone);
            return 499;
        }
        callback.succeeded();
        return 200;
    }

    private ObjectNode chunk(Reply reply, int index, Object delta, String finishReason) {
        boolean chat = reply.request.chat();
        ObjectNode c = envelope(reply, chat ? "chat.completion.chunk" : "text_completion");
        ObjectNode choice = c.putArray("choices").addObject().put("index", index);
        if (chat) choice.set("delta", (ObjectNode) delta);
        else choice.put("text", (String) delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        if (reply.request.includeUsage()) c.putNull("usage");
        return c;
    }

    private ObjectNode envelope(Reply reply, String object) {
        return JSON.createObjectNode().put("id", reply.id).put("object", object).put("created", reply.created)
                .put("model", options.modelName()).put("system_fingerprint", "jrwkv");
    }

    private static void send(OutputStream out, JsonNode event) throws IOException {
        StringBuilder sb = new StringBuilder();
        event(sb, event);
        write(out, sb);
    }

    private static void event(StringBuilder sb, JsonNode event) throws IOException {
        sb.append("data: ").append(JSON.writeValueAsString(event)).append("\n\n");
    }

    private static void write(OutputStream out, StringBuilder pending) throws IOException {
        if (pending.isEmpty()) return;
        out.write(pending.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        pending.setLength(0);
    }

    /** The next event; never waits past the point where the scheduler should have ended the request (a stuck slot is an error, not a hang). */
    private static SessionEvent take(LinkedBlockingQueue<SessionEvent> events, Reply reply) {
        try {
            SessionEvent e = events.poll(reply.giveUp - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (e == null) {
                LOG.log(System.Logger.Level.ERROR, "request " + reply.id + " got no event from the scheduler past its time limit");
                throw new ApiException(500, "server_error", null, "stuck", "the request did not finish within the server's time limit");
            }
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JrwkvException("interrupted while generating");
        }
    }

    private static ApiException failure(SessionEvent.Failed f) {
        if (f.error() instanceof ApiException a) return a;
        return new ApiException(500, "server_error", null, "generation_failed", "generation failed: " + f.error().getMessage());
    }

    private static int json(Response response, Callback callback, int status, JsonNode body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        try {
            Content.Sink.write(response, true, JSON.writeValueAsString(body), callback);
        } catch (JsonProcessingException e) {
            callback.failed(e);
        }
        return status;
    }

    private static int error(Response response, Callback callback, ApiException e) {
        if (response.isCommitted()) {
            callback.failed(e);
            return e.status();
        }
        // the rest of an unread or half-sent body would be taken for the next request: hang up after answering
        if (e.status() == 408 || e.status() == 413) response.getHeaders().put(HttpHeader.CONNECTION, "close");
        ObjectNode body = JSON.createObjectNode();
        ObjectNode err = body.putObject("error").put("message", e.getMessage()).put("type", e.type());
        if (e.param() == null) err.putNull("param");
        else err.put("param", e.param());
        err.put("code", e.code());
        return json(response, callback, e.status(), body);
    }
}
