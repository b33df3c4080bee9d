package dev.jgrad.transformer.chat;

import dev.jgrad.transformer.tokenizer.TokenizerConfig;
import dev.jgrad.transformer.tokenizer.TokenizerFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tokenizer_config.json's shapes, the fallback to a built-in format, errors, and the helper functions. */
class ChatTemplateTest {

    private static final List<ChatMessage> HELLO = List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello"));

    @Test
    void readsTokenizerConfigInItsShapes(@TempDir Path dir) throws IOException {
        Path plain = Files.writeString(dir.resolve("a.json"), """
                {"bos_token": "<s>", "eos_token": "</s>", "add_bos_token": true, "chat_template": "{{ bos_token }}{{ messages | length }}"}""");
        TokenizerConfig a = TokenizerConfig.read(plain);
        assertEquals(new TokenizerConfig("<s>", "</s>", true, Optional.of("{{ bos_token }}{{ messages | length }}")), a);
        assertEquals("<s>2", ChatTemplate.of(a, null).render(HELLO, false));

        Path objects = Files.writeString(dir.resolve("b.json"), """
                {"bos_token": {"content": "<|begin_of_text|>", "lstrip": false}, "eos_token": null,
                 "chat_template": [{"name": "tool_use", "template": "tools"}, {"name": "default", "template": "{{ bos_token }}default"}]}""");
        TokenizerConfig b = TokenizerConfig.read(objects);
        assertEquals("<|begin_of_text|>", b.bosToken());
        assertEquals("", b.eosToken());
        assertEquals("<|begin_of_text|>default", ChatTemplate.of(b, null).render(HELLO, false));

        Path none = Files.writeString(dir.resolve("c.json"), "{\"eos_token\": \"<|im_end|>\"}");
        TokenizerConfig c = TokenizerConfig.read(none);
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.of(c, ChatTemplate.Format.CHATML).render(HELLO.subList(0, 1), true));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ChatTemplate.of(c, null)).getMessage()
                .contains("no chat_template"));

        Path bad = Files.writeString(dir.resolve("d.json"), "{\"chat_template\": 3}");
        assertTrue(assertThrows(TokenizerFormatException.class, () -> TokenizerConfig.read(bad)).getMessage()
                .contains("chat_template is neither a string nor a list"));
    }

    @Test
    void brokenTemplatesAndRefusalsAreOneClearError() {
        ChatTemplateException raised = assertThrows(ChatTemplateException.class, () ->
                new ChatTemplate("{% if messages | length > 1 %}{{ raise_exception('one turn only') }}{% endif %}", "", "")
                        .render(HELLO, false));
        assertEquals("one turn only", raised.getMessage());
        ChatTemplateException syntax = assertThrows(ChatTemplateException.class, () ->
                new ChatTemplate("{% for m in messages %}{{ m.content }}", "", "").render(HELLO, false));
        assertTrue(syntax.getMessage().startsWith("chat template error at line 1"), syntax.getMessage());
    }

    @Test
    void extraVariablesReachTheTemplateButNeverOverrideTheStandardOnes() {
        ChatTemplate t = new ChatTemplate("{{ date_string }}|{{ bos_token }}|{{ add_generation_prompt }}", "<s>", "");
        assertEquals("26 Jul 2024|<s>|false", t.render(HELLO, false, Map.of("date_string", "26 Jul 2024", "bos_token", "X")));
    }

    /** Python's semantics, worked out by hand (@huggingface/jinja ignores strip's argument, so no fixture here). */
    @Test
    void pythonStringMethodsFollowPython() {
        List<ChatMessage> m = List.of(ChatMessage.user("xx<think>a b</think>\n\nAnswer  \n"));
        ChatTemplate t = new ChatTemplate("""
                {%- set c = messages[0]['content'] -%}
                [{{ c.rstrip('\\n') }}][{{ c.strip('x\\n') }}][{{ c.split('</think>')[-1].lstrip('\\n') }}]\
                [{{ c.split() | join(',') }}][{{ c.split('<', 1) | length }}][{{ 'a\u00a0'.strip() }}]""", "", "");
        assertEquals("[xx<think>a b</think>\n\nAnswer  ][<think>a b</think>\n\nAnswer  ][Answer  \n]"
                + "[xx<think>a,b</think>,Answer][2][a]", t.render(m, false));
    }

    @Test
    void strftimeFollowsPythonDirectives() {
        ZonedDateTime t = ZonedDateTime.of(2024, 7, 6, 15, 4, 5, 0, ZoneOffset.UTC);
        assertEquals("06 Jul 2024", ChatTemplateFunctions.strftime(t, "%d %b %Y"));
        assertEquals("Saturday, July 06, 24 03:04:05 PM 188 %", ChatTemplateFunctions.strftime(t, "%A, %B %d, %y %I:%M:%S %p %j %%"));
        assertThrows(IllegalArgumentException.class, () -> ChatTemplateFunctions.strftime(t, "%Q"));
        String today = new ChatTemplate("{{ strftime_now('%Y') }}", "", "").render(HELLO, false);
        assertEquals(String.valueOf(ZonedDateTime.now().getYear()), today);
    }

    @Test
    void builtInFormatsAreNamedAsOnTheCommandLine() {
        for (ChatTemplate.Format f : ChatTemplate.Format.values()) assertEquals(f, ChatTemplate.Format.of(f.id()));
        assertEquals(ChatTemplate.Format.LLAMA_3, ChatTemplate.Format.of("Llama-3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ChatTemplate.Format.of("vicuna")).getMessage()
                .contains("llama-2, llama-3, chatml, mistral"));
    }
}
