package dev.jgrad.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.examples.cli.QuantOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./jgrad serve}'s server on a random local port with a tiny random LLaMA, used through the JDK's HttpClient:
 * every endpoint, streaming and not, greedy text equal to the library's {@code generate}, and a batch mixing the base
 * model with a LoRA adapter.
 */
class ServeIntegrationTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static TinyModel tiny;
    static ServedModel served;
    static OpenAiServer server;

    @BeforeAll
    static void start() throws Exception {
        tiny = new TinyModel(dir);
        served = ServedModel.load(tiny.checkpoint, null, null, Map.of("tuned", tiny.adapter), "tiny", null);
        server = OpenAiServer.start(served, OpenAiServer.Settings.defaults().withPort(0).withLimits(4, 16, 256, 1 << 16));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(request(path, body), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest request(String path, String body) {
        return HttpRequest.newBuilder(URI.create(server.url() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static String completion(String model, String prompt, int maxTokens, boolean stream) throws Exception {
        return JSON.writeValueAsString(Map.of("model", model, "prompt", prompt, "max_tokens", maxTokens, "temperature", 0,
                "stream", stream));
    }

    /** The data payloads of a server-sent event stream, checking that it ends with [DONE]. */
    static List<JsonNode> events(String body) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        String last = null;
        for (String line : body.split("\n")) {
            if (!line.startsWith("data: ")) continue;
            last = line.substring(6);
            if (!last.equals("[DONE]")) out.add(JSON.readTree(last));
        }
        assertEquals("[DONE]", last, "the stream must end with data: [DONE]");
        return out;
    }

    @Test
    void modelsAndHealth() throws Exception {
        HttpResponse<String> r = get("/v1/models");
        assertEquals(200, r.statusCode());
        JsonNode list = JSON.readTree(r.body());
        assertEquals("list", list.get("object").asText());
        assertEquals("tiny", list.get("data").get(0).get("id").asText());
        assertEquals("tuned", list.get("data").get(1).get("id").asText());
        assertEquals("model", list.get("data").get(0).get("object").asText());
        assertEquals(200, get("/v1/models/tuned").statusCode());
        JsonNode health = JSON.readTree(get("/health").body());
        assertEquals("ok", health.get("status").asText());
    }

    @Test
    void completionGreedyTextEqualsGenerate() throws Exception {
        String expected = tiny.greedy("the quick brown fox", 30, false);
        HttpResponse<String> r = post("/v1/completions", completion("tiny", "the quick brown fox", 30, false));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("text_completion", body.get("object").asText());
        assertEquals(expected, body.get("choices").get(0).get("text").asText());
        assertEquals("length", body.get("choices").get(0).get("finish_reason").asText());
        assertEquals(19, body.get("usage").get("prompt_tokens").asInt());
        assertEquals(30, body.get("usage").get("completion_tokens").asInt());
        assertEquals(49, body.get("usage").get("total_tokens").asInt());
    }

    @Test
    void streamedCompletionConcatenatesToTheSameText() throws Exception {
        String expected = tiny.greedy("Hello there", 25, false);
        HttpResponse<String> r = post("/v1/completions", completion("tiny", "Hello there", 25, true));
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        StringBuilder text = new StringBuilder();
        List<JsonNode> events = events(r.body());
        for (JsonNode e : events) text.append(e.get("choices").get(0).get("text").asText());
        assertEquals(expected, text.toString());
        assertTrue(events.size() > 2, "the text must arrive in pieces");
        assertEquals("length", events.getLast().get("choices").get(0).get("finish_reason").asText());
    }

    static final String CHAT = "<|im_start|>user\nhi, who are you?<|im_end|>\n<|im_start|>assistant\n";

    /** The chat oracle: generate on the chatml prompt written out by hand, cut at the end-of-turn marker. */
    static String chatExpected(int tokens) throws Exception {
        String full = tiny.greedy(CHAT, tokens, false);
        int end = full.indexOf("<|im_end|>");
        return end < 0 ? full : full.substring(0, end);
    }

    @Test
    void chatCompletionRendersChatmlAndStreams() throws Exception {
        String expected = chatExpected(40);
        String body = JSON.writeValueAsString(Map.of("model", "tiny", "max_tokens", 40, "temperature", 0,
                "messages", List.of(Map.of("role", "user", "content", "hi, who are you?"))));
        HttpResponse<String> r = post("/v1/chat/completions", body);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode json = JSON.readTree(r.body());
        assertEquals("chat.completion", json.get("object").asText());
        JsonNode message = json.get("choices").get(0).get("message");
        assertEquals("assistant", message.get("role").asText());
        assertEquals(expected, message.get("content").asText());
        assertEquals(CHAT.length(), json.get("usage").get("prompt_tokens").asInt());

        String streamed = body.substring(0, body.length() - 1)
                + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        List<JsonNode> events = events(post("/v1/chat/completions", streamed).body());
        assertEquals("assistant", events.getFirst().get("choices").get(0).get("delta").get("role").asText());
        StringBuilder text = new StringBuilder();
        for (JsonNode e : events) {
            assertEquals("chat.completion.chunk", e.get("object").asText());
            if (!e.get("choices").isEmpty()) text.append(e.get("choices").get(0).get("delta").path("content").asText(""));
        }
        assertEquals(expected, text.toString());
        JsonNode usage = events.getLast().get("usage");
        assertEquals(json.get("usage"), usage);
    }

    @Test
    void oneBatchMixesTheBaseAndAnAdapter() throws Exception {
        String[] prompts = {"once upon a time", "the sea", "maybe, maybe not", "Zebras"};
        String[] models = {"tiny", "tuned", "tuned", "tiny"};
        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++)
            pending.add(HTTP.sendAsync(request("/v1/completions", completion(models[i], prompts[i], 40, i % 2 == 0)),
                    HttpResponse.BodyHandlers.ofString()));
        for (int i = 0; i < prompts.length; i++) {
            HttpResponse<String> r = pending.get(i).join();
            assertEquals(200, r.statusCode(), r.body());
            String text;
            if (i % 2 == 0) {
                StringBuilder sb = new StringBuilder();
                for (JsonNode e : events(r.body())) sb.append(e.get("choices").get(0).get("text").asText());
                text = sb.toString();
            } else {
                text = JSON.readTree(r.body()).get("choices").get(0).get("text").asText();
            }
            boolean adapted = models[i].equals("tuned");
            assertEquals(tiny.greedy(prompts[i], 40, adapted), text, models[i] + ": " + prompts[i]);
            if (adapted) assertNotEquals(tiny.greedy(prompts[i], 40, false), text, "the adapter must change the text");
        }
    }

    @Test
    void stopSequencesEndTheText() throws Exception {
        String full = tiny.greedy("the quick brown fox", 40, false);
        String stop = full.substring(12, 15);
        String body = JSON.writeValueAsString(Map.of("model", "tiny", "prompt", "the quick brown fox", "max_tokens", 40,
                "temperature", 0, "stop", List.of(stop)));
        JsonNode json = JSON.readTree(post("/v1/completions", body).body());
        assertEquals(full.substring(0, full.indexOf(stop)), json.get("choices").get(0).get("text").asText());
        assertEquals("stop", json.get("choices").get(0).get("finish_reason").asText());
    }

    @Test
    void seededSamplingRepeats() throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", "tiny", "prompt", "abc", "max_tokens", 30, "temperature", 1.2,
                "top_p", 0.95, "seed", 1234));
        String a = JSON.readTree(post("/v1/completions", body).body()).get("choices").get(0).get("text").asText();
        String b = JSON.readTree(post("/v1/completions", body).body()).get("choices").get(0).get("text").asText();
        assertEquals(a, b);
        assertEquals(30, a.length());
    }

    /**
     * {@code serve --quant T} runs the weights {@code generate --quant T} runs: the same factory builds the layers,
     * and the server's batched forward (one GEMM over its rows, int8 activations for q8_0/q4_0) rounds each row as
     * generation's one-row steps do, so greedy text is equal. Adapters apply on an nf4 base; q8_0/q4_0 layers
     * ({@code GgufLinear}) are refused as LoRA targets with the layer's path.
     */
    @Test
    void aQuantizedBaseServesWhatGenerateQuantGenerates() throws Exception {
        var quiet = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        for (String quant : List.of("q8_0", "q4_0", "nf4")) {
            String expected = dev.jgrad.transformer.generate.Generate.run(new dev.jgrad.transformer.generate.Generate.Options(
                    tiny.checkpoint, null, null, "the sea", null, 0, 0, 1, 1, 0L, 30, false),
                    QuantOption.linears(quant, tiny.checkpoint, null), quiet, quiet).text();
            assertNotEquals(tiny.greedy("the sea", 30, false), expected, quant + " should change this model's greedy text");
            boolean adaptable = quant.equals("nf4");
            Map<String, Path> adapters = adaptable ? Map.of("tuned", tiny.adapter) : Map.of();
            ServedModel q = ServedModel.load(tiny.checkpoint, null, QuantOption.linears(quant, tiny.checkpoint, null),
                    adapters, "tiny-" + quant, null);
            try (OpenAiServer s = OpenAiServer.start(q, OpenAiServer.Settings.defaults().withPort(0))) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(s.url() + "/v1/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(completion("tiny-" + quant, "the sea", 30, false))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(expected, JSON.readTree(r.body()).get("choices").get(0).get("text").asText(), quant);
                if (!adaptable) continue;
                HttpResponse<String> adapted = HTTP.send(HttpRequest.newBuilder(URI.create(s.url() + "/v1/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(completion("tuned", "the sea", 30, false))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, adapted.statusCode(), adapted.body());
                assertNotEquals(expected, JSON.readTree(adapted.body()).get("choices").get(0).get("text").asText(), quant);
            }
        }
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> ServedModel.load(tiny.checkpoint,
                null, QuantOption.linears("q8_0", tiny.checkpoint, null), Map.of("tuned", tiny.adapter), "tiny-q8", null));
        assertTrue(e.getMessage().contains("q_proj is a GgufLinear, not a linear layer"), e.getMessage());
    }
}
