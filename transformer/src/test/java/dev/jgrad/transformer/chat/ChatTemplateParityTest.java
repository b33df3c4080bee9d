package dev.jgrad.transformer.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every template renders every conversation exactly as @huggingface/jinja renders it (fixtures from
 * {@code src/test/scripts/chat-fixtures/make_chat_fixtures.mjs}): the four built-in formats, Gemma's turn
 * format, and a template that exercises loop controls, {@code namespace}, slicing, {@code loop.*} and
 * {@code tojson}. Conversations a template refuses fail here with the template's own message.
 */
class ChatTemplateParityTest {

    private static final Map<String, String> TEST_TEMPLATES = Map.of("gemma", "gemma.jinja", "features", "features.jinja");

    @TestFactory
    Stream<DynamicTest> rendersLikeHuggingFaceJinja() throws IOException {
        JsonNode root;
        try (InputStream in = resource("chat-template-fixtures.json")) {
            root = new ObjectMapper().readTree(in);
        }
        assertTrue(root.path("cases").size() >= 70, "fixture file has too few cases");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.path("cases")) {
            String name = c.get("template").asText() + " / " + c.get("conversation").asText()
                    + (c.get("add_generation_prompt").asBoolean() ? " / generation prompt" : "");
            tests.add(DynamicTest.dynamicTest(name, () -> check(c)));
        }
        return tests.stream();
    }

    private static void check(JsonNode c) throws IOException {
        String name = c.get("template").asText();
        String source = TEST_TEMPLATES.containsKey(name) ? read(TEST_TEMPLATES.get(name)) : ChatTemplate.Format.of(name).source();
        ChatTemplate template = new ChatTemplate(source, c.get("bos_token").asText(), c.get("eos_token").asText());
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : c.get("messages")) messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
        boolean generation = c.get("add_generation_prompt").asBoolean();
        if (c.has("error")) {
            ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> template.render(messages, generation));
            assertEquals(c.get("error").asText(), e.getMessage());
        } else {
            assertEquals(c.get("output").asText(), template.render(messages, generation));
        }
    }

    private static InputStream resource(String name) {
        InputStream in = ChatTemplateParityTest.class.getResourceAsStream("/chat/" + name);
        if (in == null) throw new IllegalStateException("missing test resource chat/" + name);
        return in;
    }

    private static String read(String name) throws IOException {
        try (InputStream in = resource(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
