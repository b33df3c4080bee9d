package dev.jgrad.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.transformer.chat.ChatMessage;
import dev.jgrad.transformer.chat.ChatTemplateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server renders chats with the library's chat-template engine: a model's own Jinja {@code chat_template} is
 * executed (here a format none of the built-ins knows), {@code --chat-template} picks a built-in, chatml is the
 * default, and the end of turn each one writes is where replies stop. The tiny model's character tokenizer has no
 * special tokens, so markers are characters and the end of turn is a stop string.
 */
class ServeChatTemplateTest {

    /** A format of its own: "|user|> text" lines, each turn closed by "<|end|>", that raises on a "tool" role. */
    static final String OWN_TEMPLATE = "{% for m in messages %}"
            + "{% if m['role'] == 'tool' %}{{ raise_exception('no tools here') }}{% endif %}"
            + "{{ '|' + m['role'] + '|> ' + m['content'] + '<|end|>\\n' }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '|assistant|> ' }}{% endif %}";

    @TempDir
    Path dir;

    @Test
    void theModelsOwnJinjaTemplateIsExecuted() throws Exception {
        TinyModel tiny = new TinyModel(dir);
        Files.writeString(tiny.checkpoint.resolve("tokenizer_config.json"),
                new ObjectMapper().createObjectNode().put("chat_template", OWN_TEMPLATE).toString());
        ServedModel served = ServedModel.load(tiny.checkpoint, null, null, Map.of(), "tiny", null);

        List<ChatMessage> chat = List.of(ChatMessage.system("be brief"), ChatMessage.user("hi"));
        assertArrayEquals(served.tokenizer().encode("|system|> be brief<|end|>\n|user|> hi<|end|>\n|assistant|> "),
                served.encodeChat(chat));
        assertEquals("<|end|>", served.endOfTurn());
        assertEquals(List.of("<|end|>"), served.chatStopStrings());
        assertArrayEquals(served.stopTokens(), served.chatStopTokens(), "no special token spells the end of turn");

        ChatTemplateException refused = assertThrows(ChatTemplateException.class,
                () -> served.encodeChat(List.of(new ChatMessage("tool", "x"), ChatMessage.user("hi"))));
        assertEquals("no tools here", refused.getMessage());
    }

    @Test
    void chatmlByDefaultAndBuiltInsByName() throws Exception {
        TinyModel tiny = new TinyModel(dir);
        ServedModel chatml = ServedModel.load(tiny.checkpoint, null, null, Map.of(), "tiny", null);
        assertArrayEquals(chatml.tokenizer().encode(ServeIntegrationTest.CHAT),
                chatml.encodeChat(List.of(ChatMessage.user("hi, who are you?"))));
        assertEquals("<|im_end|>", chatml.endOfTurn());
        assertEquals("<|eot_id|>", ServedModel.load(tiny.checkpoint, null, null, Map.of(), "tiny", "llama-3").endOfTurn());
        // mistral closes a turn with eos_token, and this tokenizer has no EOS: replies stop at the model's stop tokens
        assertEquals(null, ServedModel.load(tiny.checkpoint, null, null, Map.of(), "tiny", "mistral").endOfTurn());

        Path file = dir.resolve("own.jinja");
        Files.writeString(file, OWN_TEMPLATE);
        assertEquals("<|end|>", ServedModel.load(tiny.checkpoint, null, null, Map.of(), "tiny", file.toString()).endOfTurn());
    }

    @Test
    void refusedConversationsAndUnencodableTextAre400OnMessages() throws Exception {
        TinyModel tiny = new TinyModel(dir);
        Files.writeString(tiny.checkpoint.resolve("tokenizer_config.json"),
                new ObjectMapper().createObjectNode().put("chat_template", OWN_TEMPLATE.replace("'tool'", "'system'")).toString());
        ServedModel served = ServedModel.load(tiny.checkpoint, null, null, Map.of(), "tiny", null);
        try (OpenAiServer server = OpenAiServer.start(served, OpenAiServer.Settings.defaults().withPort(0))) {
            JsonNode e = ServeErrorsTest.error(ServeErrorsTest.post(server, "/v1/chat/completions", "{\"model\": \"tiny\","
                    + " \"messages\": [{\"role\": \"system\", \"content\": \"x\"}, {\"role\": \"user\", \"content\": \"hi\"}]}"), 400);
            assertEquals("messages", e.get("param").asText());
            assertTrue(e.get("message").asText().contains("no tools here"), e.toString());

            e = ServeErrorsTest.error(ServeErrorsTest.post(server, "/v1/chat/completions", "{\"model\": \"tiny\","
                    + " \"messages\": [{\"role\": \"user\", \"content\": \"caf\\u00e9 #1\"}]}"), 400);
            assertEquals("messages", e.get("param").asText());
        }
    }
}
