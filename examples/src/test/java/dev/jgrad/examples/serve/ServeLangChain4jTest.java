package dev.jgrad.examples.serve;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiLanguageModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * LangChain4j's OpenAI module, a client written against OpenAI's real API, talks to the server: chat, streaming chat
 * and legacy completions, with an API key, each giving the library's greedy text.
 */
class ServeLangChain4jTest {

    @TempDir
    static Path dir;
    static TinyModel tiny;
    static OpenAiServer server;

    @BeforeAll
    static void start() throws Exception {
        tiny = new TinyModel(dir);
        ServedModel served = ServedModel.load(tiny.checkpoint, null, null, Map.of("tuned", tiny.adapter), "tiny", null);
        server = OpenAiServer.start(served, OpenAiServer.Settings.defaults().withPort(0).withApiKey("test-key"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static String chatExpected(int tokens) throws Exception {
        String full = tiny.greedy("<|im_start|>user\nhello, friend<|im_end|>\n<|im_start|>assistant\n", tokens, false);
        int end = full.indexOf("<|im_end|>");
        return end < 0 ? full : full.substring(0, end);
    }

    @Test
    void chat() throws Exception {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(server.url() + "/v1").apiKey("test-key").modelName("tiny")
                .temperature(0.0).maxTokens(30).build();
        assertEquals(chatExpected(30), model.chat("hello, friend"));
    }

    @Test
    void streamingChat() throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(server.url() + "/v1").apiKey("test-key")
                .modelName("tiny").temperature(0.0).maxTokens(30).build();
        StringBuilder pieces = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat("hello, friend", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                pieces.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse response = done.get(60, TimeUnit.SECONDS);
        assertEquals(chatExpected(30), pieces.toString());
        assertEquals(chatExpected(30), response.aiMessage().text());
    }

    @Test
    void completionsWithTheAdapter() throws Exception {
        OpenAiLanguageModel model = OpenAiLanguageModel.builder().baseUrl(server.url() + "/v1").apiKey("test-key")
                .modelName("tuned").temperature(0.0).build();
        Response<String> r = model.generate("once upon a time");
        assertEquals(tiny.greedy("once upon a time", 16, true), r.content());   // OpenAI's default max_tokens: 16
        assertEquals(16, r.tokenUsage().outputTokenCount());
    }
}
