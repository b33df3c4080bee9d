package dev.jgrad.examples.serve;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jgrad.transformer.generate.GenerationConfig;
import dev.jgrad.transformer.serve.Adapter;
import dev.jgrad.transformer.serve.BatchEngine;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI-compatible HTTP server over a {@link BatchEngine}: {@code GET /v1/models}, {@code POST /v1/completions},
 * {@code POST /v1/chat/completions} (both also as server-sent events with {@code "stream": true}) and
 * {@code GET /health}. Start it in-process with {@link #start}; {@code ./jgrad serve} is a command line around it.
 *
 * <p>Each HTTP request runs on its own virtual thread (Helidon SE's WebServer) and only parses, validates and
 * waits: the engine thread does all model work, batching every active request into one forward per step. A request
 * thread receives its text through a queue; a streaming client that has gone away makes the next write fail, and
 * the request is cancelled, leaving the batch at the engine's next step.
 *
 * <p>Bad input never reaches the engine: it is answered with OpenAI's error object and a 4xx status (400 invalid
 * parameters, 401 a missing or wrong API key, 404 an unknown model or path, 413 a body over the limit, 429 a full
 * queue, 503 while shutting down).
 */
public final class OpenAiServer implements AutoCloseable {

    /**
     * How to serve.
     *
     * @param host         the interface to listen on (127.0.0.1: this machine only)
     * @param port         0 for any free port
     * @param maxBatch     sequences per batched step
     * @param maxWaiting   requests queued beyond the free slots before 429
     * @param context      prompt plus new tokens at most (capped at the model's maximum)
     * @param apiKey       null for none; else every request needs {@code Authorization: Bearer KEY}
     * @param maxBodyBytes larger request bodies get 413
     */
    public record Settings(String host, int port, int maxBatch, int maxWaiting, int context, String apiKey, long maxBodyBytes) {
        public Settings {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
            if (maxBatch < 1) throw new IllegalArgumentException("max batch must be >= 1, got " + maxBatch);
            if (maxWaiting < 0) throw new IllegalArgumentException("max waiting must be >= 0, got " + maxWaiting);
            if (context < 1) throw new IllegalArgumentException("context must be >= 1, got " + context);
            if (maxBodyBytes < 1) throw new IllegalArgumentException("max body bytes must be >= 1, got " + maxBodyBytes);
        }

        /** Loopback, port 8080, batches of 8, 64 waiting, the model's whole context, no key, bodies up to 1 MiB. */
        public static Settings defaults() {
            return new Settings("127.0.0.1", 8080, 8, 64, Integer.MAX_VALUE, null, 1 << 20);
        }

        public Settings withPort(int p) {
            return new Settings(host, p, maxBatch, maxWaiting, context, apiKey, maxBodyBytes);
        }

        public Settings withApiKey(String key) {
            return new Settings(host, port, maxBatch, maxWaiting, context, key, maxBodyBytes);
        }

        public Settings withLimits(int batch, int waiting, int ctx, long bodyBytes) {
            return new Settings(host, port, batch, waiting, ctx, apiKey, bodyBytes);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServedModel model;
    private final Settings settings;
    private final BatchEngine engine;
    private final WebServer server;
    private final int port;
    private final long created = System.currentTimeMillis() / 1000;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong seeds = new AtomicLong(System.nanoTime());

    private OpenAiServer(ServedModel model, Settings settings) {
        this.model = model;
        this.settings = settings;
        this.engine = new BatchEngine(model.model(), model.tokenizer(), settings.maxBatch(), settings.maxWaiting(), settings.context());
        WebServer started = null;
        try {
            started = WebServer.builder()
                    .host(settings.host())
                    .port(settings.port())
                    .shutdownHook(false)   // SIGTERM is handled by stop(): finish or cancel the requests first
                    .routing(this::routes)
                    .build()
                    .start();
        } catch (RuntimeException e) {
            engine.close();
            throw new IllegalStateException("cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage(), e);
        }
        if (!started.isRunning()) {   // Helidon logs a listener that failed to bind and returns a stopped server
            engine.close();
            throw new IllegalStateException("cannot listen on " + settings.host() + ":" + settings.port()
                    + " (in use, or not an address of this machine)");
        }
        this.server = started;
        this.port = server.port();
    }

    /** Starts serving {@code model}; returns once the server accepts connections. */
    public static OpenAiServer start(ServedModel model, Settings settings) {
        return new OpenAiServer(model, settings);
    }

    /** The port listened on (the chosen one when {@link Settings#port()} was 0). */
    public int port() {
        return port;
    }

    /** {@code http://HOST:PORT}. */
    public String url() {
        String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
        return "http://" + host + ":" + port();
    }

    public BatchEngine engine() {
        return engine;
    }

    /**
     * Stops: new requests get 503, queued and running ones have up to {@code grace} to finish (then are cancelled),
     * their responses are completed, and the listener closes.
     */
    public void stop(Duration grace) {
        engine.shutdown(grace);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        server.stop();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }

    private void routes(HttpRouting.Builder r) {
        r.addFilter((chain, req, res) -> {
            String key = settings.apiKey();
            String auth = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
            if (key != null && !MessageDigest.isEqual(("Bearer " + key).getBytes(StandardCharsets.UTF_8),
                    auth.getBytes(StandardCharsets.UTF_8))) {
                send(res, new ApiError(401, "invalid_request_error", "Incorrect or missing API key: send"
                        + " \"Authorization: Bearer KEY\"", null, "invalid_api_key"));
                return;
            }
            inFlight.incrementAndGet();
            try {
                chain.proceed();
            } finally {
                inFlight.decrementAndGet();
            }
        });
        r.get("/health", (req, res) -> {
            int[] load = engine.load();
            ObjectNode o = JSON.createObjectNode().put("status", "ok").put("model", model.id())
                    .put("active", load[0]).put("waiting", load[1]);
            sendJson(res, 200, o);
        });
        r.get("/v1/models", (req, res) -> {
            ObjectNode list = JSON.createObjectNode().put("object", "list");
            ArrayNode data = list.putArray("data");
            for (String id : model.ids()) data.add(modelJson(id));
            sendJson(res, 200, list);
        });
        r.get("/v1/models/{id}", (req, res) -> guarded(res, () -> {
            String id = req.path().pathParameters().get("id");
            if (!model.ids().contains(id)) throw ApiError.modelNotFound(id);
            sendJson(res, 200, modelJson(id));
        }));
        r.post("/v1/completions", (req, res) -> guarded(res, () -> complete(req, res, false)));
        r.post("/v1/chat/completions", (req, res) -> guarded(res, () -> complete(req, res, true)));
        r.any((req, res) -> send(res, new ApiError(404, "invalid_request_error", "Unknown request URL: "
                + req.prologue().method().text() + " " + req.path().path(), null, "unknown_url")));
    }

    private ObjectNode modelJson(String id) {
        return JSON.createObjectNode().put("id", id).put("object", "model").put("created", created).put("owned_by", "jgrad");
    }

    /** Runs a handler, answering an {@link ApiError} with its status and any other failure with a 500. */
    private void guarded(ServerResponse res, IoAction action) {
        try {
            action.run();
        } catch (ApiError e) {
            if (!res.isSent()) send(res, e);
        } catch (IOException | RuntimeException e) {
            if (!res.isSent()) send(res, new ApiError(500, "server_error", "internal error: " + e, null, null));
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private void complete(ServerRequest req, ServerResponse res, boolean chat) throws IOException {
        CompletionRequest c = CompletionRequest.parse(readBody(req), chat);
        Adapter adapter = null;
        if (!c.model().equals(model.id())) {
            adapter = model.adapters().get(c.model());
            if (adapter == null) throw ApiError.modelNotFound(c.model());
        }
        int[] prompt;
        int[] stops;
        java.util.List<String> stopStrings = new java.util.ArrayList<>(c.stop());
        try {
            if (chat) {
                prompt = model.encodeChat(c.messages());
                stops = model.chatStopTokens();
                stopStrings.addAll(model.chatStopStrings());
            } else {
                prompt = model.encodePrompt(c.prompt());
                stops = model.stopTokens();
            }
        } catch (IllegalArgumentException e) {   // text the tokenizer cannot encode, a conversation the template refuses
            throw ApiError.invalid(chat ? "messages" : "prompt", e.getMessage());
        }
        int context = engine.context();
        int room = context - prompt.length;
        if (room < 1)
            throw new ApiError(400, "invalid_request_error", "This model's maximum context length is " + context
                    + " tokens, and your prompt has " + prompt.length + " tokens", chat ? "messages" : "prompt", "context_length_exceeded");
        int maxTokens = c.maxTokens() != null ? c.maxTokens() : chat ? room : Math.min(16, room);
        if (maxTokens > room)
            throw new ApiError(400, "invalid_request_error", "This model's maximum context length is " + context
                    + " tokens. However, you requested " + (prompt.length + maxTokens) + " tokens (" + prompt.length
                    + " in the prompt, " + maxTokens + " for the completion). Please reduce the prompt or max_tokens.",
                    "max_tokens", "context_length_exceeded");
        long seed = c.seed() != null ? c.seed() : seeds.getAndIncrement();
        GenerationConfig sampling = new GenerationConfig(maxTokens, c.temperature(), 0, c.topP(), 1, stops, seed);
        Events events = new Events();
        BatchEngine.Ticket ticket;
        try {
            ticket = engine.submit(new BatchEngine.Request(prompt, sampling, stopStrings, adapter, events));
        } catch (IllegalArgumentException e) {   // a prompt id outside the model's vocabulary
            throw ApiError.invalid(chat ? "messages" : "prompt", e.getMessage());
        } catch (BatchEngine.Rejected e) {
            throw e.shuttingDown() ? new ApiError(503, "server_error", "The server is shutting down", null, "unavailable")
                    : new ApiError(429, "requests", "Too many requests are waiting: " + e.getMessage(), null, "rate_limit_exceeded");
        }
        Reply reply = new Reply(chat, (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID(), System.currentTimeMillis() / 1000, c.model());
        if (c.stream()) stream(res, reply, events, ticket, c.includeUsage());
        else respond(res, reply, events, ticket);
    }

    /** A request's text and end, handed over from the engine thread. */
    private static final class Events implements BatchEngine.Listener {
        final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();

        record End(BatchEngine.FinishReason reason, int promptTokens, int completionTokens) {}

        @Override
        public void onText(String text) {
            queue.add(text);
        }

        @Override
        public void onFinish(BatchEngine.FinishReason reason, int promptTokens, int completionTokens) {
            queue.add(new End(reason, promptTokens, completionTokens));
        }
    }

    private void respond(ServerResponse res, Reply reply, Events events, BatchEngine.Ticket ticket) {
        StringBuilder text = new StringBuilder();
        Events.End end;
        try {
            while (true) {
                Object e = events.queue.take();
                if (e instanceof String s) text.append(s);
                else {
                    end = (Events.End) e;
                    break;
                }
            }
        } catch (InterruptedException ex) {
            ticket.cancel();
            Thread.currentThread().interrupt();
            return;
        }
        if (end.reason() == BatchEngine.FinishReason.CANCELLED)
            throw new ApiError(503, "server_error", "The request was cancelled: the server is shutting down", null, "unavailable");
        if (end.reason() == BatchEngine.FinishReason.ERROR)
            throw new ApiError(500, "server_error", "The model failed while running this request", null, null);
        ObjectNode body = reply.object(false);
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
        if (reply.chat) choice.putObject("message").put("role", "assistant").put("content", text.toString());
        else choice.put("text", text.toString());
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(end.reason()));
        body.set("usage", usage(end));
        sendJson(res, 200, body);
    }

    private void stream(ServerResponse res, Reply reply, Events events, BatchEngine.Ticket ticket, boolean includeUsage) {
        res.status(200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        try (OutputStream out = res.outputStream()) {
            if (reply.chat) event(out, reply.chunk(JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
            while (true) {
                Object e = events.queue.poll(1, TimeUnit.SECONDS);
                if (e == null) {   // nothing for a second: a comment line finds out whether the client is still there
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } else if (e instanceof String s) {
                    event(out, reply.chat ? reply.chunk(JSON.createObjectNode().put("content", s), null)
                            : reply.chunk(s, null));
                } else {
                    Events.End end = (Events.End) e;
                    if (end.reason() == BatchEngine.FinishReason.STOP || end.reason() == BatchEngine.FinishReason.LENGTH) {
                        String reason = finishReason(end.reason());
                        event(out, reply.chat ? reply.chunk(JSON.createObjectNode(), reason) : reply.chunk("", reason));
                        if (includeUsage) {
                            ObjectNode last = reply.object(true);
                            last.putArray("choices");
                            last.set("usage", usage(end));
                            event(out, last);
                        }
                    } else {   // an error object in the stream, as OpenAI sends one
                        event(out, (end.reason() == BatchEngine.FinishReason.ERROR
                                ? new ApiError(500, "server_error", "The model failed while running this request", null, null)
                                : new ApiError(503, "server_error", "The request was cancelled: the server is shutting down", null,
                                "unavailable")).toJson(JSON));
                    }
                    out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {   // the client went away: free its slot
            ticket.cancel();
        } catch (InterruptedException e) {
            ticket.cancel();
            Thread.currentThread().interrupt();
        }
    }

    private static void event(OutputStream out, ObjectNode chunk) throws IOException {
        out.write(("data: " + JSON.writeValueAsString(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The fields every response object of one request shares. */
    private record Reply(boolean chat, String id, long created, String model) {
        ObjectNode object(boolean chunk) {
            return JSON.createObjectNode().put("id", id)
                    .put("object", chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion")
                    .put("created", created).put("model", model);
        }

        /** A chat chunk with {@code delta}. */
        ObjectNode chunk(ObjectNode delta, String finishReason) {
            ObjectNode o = object(true);
            ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
            choice.set("delta", delta);
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason);
            return o;
        }

        /** A completions chunk with {@code text}. */
        ObjectNode chunk(String text, String finishReason) {
            ObjectNode o = object(true);
            o.putArray("choices").addObject().put("index", 0).put("text", text).putNull("logprobs").put("finish_reason", finishReason);
            return o;
        }
    }

    private static String finishReason(BatchEngine.FinishReason r) {
        return r == BatchEngine.FinishReason.LENGTH ? "length" : "stop";
    }

    private static ObjectNode usage(Events.End end) {
        return JSON.createObjectNode().put("prompt_tokens", end.promptTokens()).put("completion_tokens", end.completionTokens())
                .put("total_tokens", end.promptTokens() + end.completionTokens());
    }

    /** The body as JSON, refusing one over the size limit (413) or that is not JSON (400). */
    private JsonNode readBody(ServerRequest req) throws IOException {
        long limit = settings.maxBodyBytes();
        var declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > limit) throw tooLarge(limit);
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
        }
        if (bytes.length > limit) throw tooLarge(limit);
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || node.isMissingNode()) throw ApiError.invalid(null, "The request body is empty; it must be a JSON object");
            return node;
        } catch (JacksonException e) {
            throw ApiError.invalid(null, "The request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static ApiError tooLarge(long limit) {
        return new ApiError(413, "invalid_request_error", "The request body is larger than " + limit + " bytes", null,
                "request_too_large");
    }

    private static void send(ServerResponse res, ApiError e) {
        sendJson(res, e.status(), e.toJson(JSON));
    }

    private static void sendJson(ServerResponse res, int status, JsonNode body) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        try {
            res.send(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
