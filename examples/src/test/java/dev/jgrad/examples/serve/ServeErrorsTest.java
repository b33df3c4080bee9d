package dev.jgrad.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input never takes the server down: each case gets its status and OpenAI's error object, and the server
 * answers the next request normally. Also the API key, the queue limit (429), a client that hangs up mid-stream,
 * and a graceful stop.
 */
class ServeErrorsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static ServedModel served;
    static OpenAiServer server;

    @BeforeAll
    static void start() throws Exception {
        TinyModel tiny = new TinyModel(dir);
        served = ServedModel.load(tiny.checkpoint, null, null, Map.of(), "tiny", null);
        server = OpenAiServer.start(served, OpenAiServer.Settings.defaults().withPort(0).withLimits(4, 16, 64, 4096));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static HttpResponse<String> post(OpenAiServer s, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) b.headers(headers);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Checks the status and OpenAI's error object; returns the error. */
    static JsonNode error(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertTrue(e != null && e.get("message").isTextual() && !e.get("message").asText().isEmpty(), r.body());
        assertTrue(e.has("type") && e.has("param") && e.has("code"), r.body());
        return e;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "malformed JSON           | {\"model\": \"tiny\", \"prompt\": |                ",
            "not an object            | [1, 2, 3]                                           |                ",
            "empty body               |                                                     |                ",
            "missing model            | {\"prompt\": \"abc\"}                               | model          ",
            "model of the wrong type  | {\"model\": 3, \"prompt\": \"abc\"}                 | model          ",
            "missing prompt           | {\"model\": \"tiny\"}                               | prompt         ",
            "prompt of the wrong type | {\"model\": \"tiny\", \"prompt\": {\"a\": 1}}       | prompt         ",
            "max_tokens as a string   | {\"model\": \"tiny\", \"prompt\": \"a\", \"max_tokens\": \"ten\"} | max_tokens ",
            "negative max_tokens      | {\"model\": \"tiny\", \"prompt\": \"a\", \"max_tokens\": -5}    | max_tokens ",
            "absurd max_tokens        | {\"model\": \"tiny\", \"prompt\": \"a\", \"max_tokens\": 99999999999} | max_tokens ",
            "fractional max_tokens    | {\"model\": \"tiny\", \"prompt\": \"a\", \"max_tokens\": 2.5}   | max_tokens ",
            "negative temperature     | {\"model\": \"tiny\", \"prompt\": \"a\", \"temperature\": -1}   | temperature ",
            "absurd temperature       | {\"model\": \"tiny\", \"prompt\": \"a\", \"temperature\": 1e300} | temperature ",
            "top_p above one          | {\"model\": \"tiny\", \"prompt\": \"a\", \"top_p\": 1.5}        | top_p ",
            "n other than one         | {\"model\": \"tiny\", \"prompt\": \"a\", \"n\": 3}              | n ",
            "stop of the wrong type   | {\"model\": \"tiny\", \"prompt\": \"a\", \"stop\": 7}           | stop ",
            "seed as a string         | {\"model\": \"tiny\", \"prompt\": \"a\", \"seed\": \"x\"}       | seed ",
            "stream as a string       | {\"model\": \"tiny\", \"prompt\": \"a\", \"stream\": \"yes\"}   | stream ",
            "character not in vocab   | {\"model\": \"tiny\", \"prompt\": \"caf\\u00e9 #1\"}           | prompt ",
    })
    void badCompletionRequestsGet400(String name, String body, String param) throws Exception {
        JsonNode e = error(post(server, "/v1/completions", body == null ? "" : body), 400);
        assertEquals("invalid_request_error", e.get("type").asText());
        if (param != null) assertEquals(param, e.get("param").asText(), name);
        assertEquals(200, HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode(), "the server must still answer after: " + name);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no messages          | {\"model\": \"tiny\"}                                                  | messages ",
            "empty messages       | {\"model\": \"tiny\", \"messages\": []}                                | messages ",
            "message not object   | {\"model\": \"tiny\", \"messages\": [\"hi\"]}                          | messages[0] ",
            "unknown role         | {\"model\": \"tiny\", \"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]} | messages[0].role ",
            "content of wrong type| {\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": 5}]}       | messages[0].content ",
            "no user message      | {\"model\": \"tiny\", \"messages\": [{\"role\": \"system\", \"content\": \"be kind\"}]} | messages ",
            "tools                | {\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": [{\"type\": \"function\"}]} | tools ",
            "json response format | {\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"response_format\": {\"type\": \"json_object\"}} | response_format ",
            "penalty              | {\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"presence_penalty\": 1} | presence_penalty ",
    })
    void badChatRequestsGet400(String name, String body, String param) throws Exception {
        JsonNode e = error(post(server, "/v1/chat/completions", body), 400);
        assertEquals(param, e.get("param").asText(), name);
    }

    @Test
    void unknownModelsAndPathsGet404() throws Exception {
        JsonNode e = error(post(server, "/v1/completions", "{\"model\": \"gpt-9\", \"prompt\": \"a\"}"), 404);
        assertEquals("model_not_found", e.get("code").asText());
        error(HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/models/gpt-9")).build(),
                HttpResponse.BodyHandlers.ofString()), 404);
        error(post(server, "/v1/embeddings", "{}"), 404);
    }

    @Test
    void promptPlusMaxTokensBeyondTheContextGets400() throws Exception {
        JsonNode e = error(post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"abcdefghij\", \"max_tokens\": 55}"), 400);
        assertEquals("context_length_exceeded", e.get("code").asText());
        assertEquals("max_tokens", e.get("param").asText());
        String longPrompt = "a".repeat(70);
        e = error(post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"" + longPrompt + "\"}"), 400);
        assertEquals("context_length_exceeded", e.get("code").asText());
        // exactly the context is fine
        assertEquals(200, post(server, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"abcdefghij\", \"max_tokens\": 54}").statusCode());
    }

    @Test
    void bodiesOverTheLimitGet413() throws Exception {
        String big = "{\"model\": \"tiny\", \"prompt\": \"" + "a".repeat(5000) + "\"}";
        JsonNode e = error(post(server, "/v1/completions", big), 413);
        assertEquals("request_too_large", e.get("code").asText());
        // without a Content-Length (chunked), the limit holds too
        HttpRequest chunked = HttpRequest.newBuilder(URI.create(server.url() + "/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))))
                .build();
        error(HTTP.send(chunked, HttpResponse.BodyHandlers.ofString()), 413);
    }

    @Test
    void anApiKeyIsRequiredWhenSet() throws Exception {
        try (OpenAiServer keyed = OpenAiServer.start(served, OpenAiServer.Settings.defaults().withPort(0).withApiKey("sekret"))) {
            String body = "{\"model\": \"tiny\", \"prompt\": \"abc\", \"max_tokens\": 3}";
            assertEquals("invalid_api_key", error(post(keyed, "/v1/completions", body), 401).get("code").asText());
            error(post(keyed, "/v1/completions", body, "Authorization", "Bearer wrong"), 401);
            error(HTTP.send(HttpRequest.newBuilder(URI.create(keyed.url() + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString()), 401);
            assertEquals(200, post(keyed, "/v1/completions", body, "Authorization", "Bearer sekret").statusCode());
        }
    }

    @Test
    void moreWaitingRequestsThanTheLimitGet429AndStopLetsRunningOnesFinish() throws Exception {
        OpenAiServer small = OpenAiServer.start(served, OpenAiServer.Settings.defaults().withPort(0).withLimits(1, 0, 2048, 4096));
        String longOne = "{\"model\": \"tiny\", \"prompt\": \"abc\", \"max_tokens\": 1500, \"stream\": true}";
        HttpResponse<java.io.InputStream> running = HTTP.send(HttpRequest.newBuilder(URI.create(small.url() + "/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(longOne)).build(), HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader in = new BufferedReader(new InputStreamReader(running.body(), StandardCharsets.UTF_8));
        assertTrue(ServeCommandTest.firstEvent(in).startsWith("data: "));   // it holds the only slot now
        JsonNode e = error(post(small, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"x\", \"max_tokens\": 3}"), 429);
        assertEquals("rate_limit_exceeded", e.get("code").asText());

        Thread stopper = Thread.ofVirtual().start(() -> small.stop(Duration.ofSeconds(60)));
        String line, last = null;
        while ((line = in.readLine()) != null) if (line.startsWith("data: ")) last = line;
        assertEquals("data: [DONE]", last, "the running request finishes before the server stops");
        stopper.join(30_000);
        assertThrows(java.io.IOException.class, () -> post(small, "/v1/completions", "{}"));
    }

    @Test
    void aClientThatDisconnectsMidStreamFreesItsSlot() throws Exception {
        try (OpenAiServer small = OpenAiServer.start(served, OpenAiServer.Settings.defaults().withPort(0).withLimits(1, 0, 2048, 4096))) {
            long before = small.engine().steps();
            String longOne = "{\"model\": \"tiny\", \"prompt\": \"abc\", \"max_tokens\": 1500, \"stream\": true}";
            HttpResponse<java.io.InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(small.url() + "/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(longOne)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                assertTrue(ServeCommandTest.firstEvent(in).startsWith("data: "));
            }   // the client hangs up
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (small.engine().load()[0] > 0 && System.nanoTime() < deadline) Thread.sleep(5);
            assertEquals(0, small.engine().load()[0], "the abandoned request must leave the batch");
            long steps = small.engine().steps() - before;
            assertTrue(steps < 1500, "it left early, after " + steps + " of 1500 steps");
            // the only slot is free again: a new request is served, not refused with 429
            assertEquals(200, post(small, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"x\", \"max_tokens\": 3}").statusCode());
        }
    }
}
