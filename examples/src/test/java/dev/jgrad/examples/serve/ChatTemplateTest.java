package dev.jgrad.examples.serve;

import dev.jgrad.transformer.tokenizer.CharTokenizer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Each chat format renders a conversation as the model's own Jinja template does (expected prompts written out from
 * the published templates of Qwen/ChatML, Llama-2-chat, Llama-3-Instruct and Mistral-Instruct), and templates are
 * recognised by their markers.
 */
class ChatTemplateTest {

    static final CharTokenizer TOK = CharTokenizer.fromText(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,!?'\n<|>_[]/");
    static final List<ChatTemplate.Message> CONVERSATION = List.of(
            new ChatTemplate.Message("system", "Be brief."),
            new ChatTemplate.Message("user", "Hi there"),
            new ChatTemplate.Message("assistant", "Hello."),
            new ChatTemplate.Message("user", "Who are you?"));

    static String render(ChatTemplate t) {
        return TOK.decode(t.render(CONVERSATION, TOK));
    }

    @Test
    void chatml() {
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nWho are you?<|im_end|>\n<|im_start|>assistant\n",
                render(ChatTemplate.CHATML));
    }

    @Test
    void llama2() {
        assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi there [/INST] Hello. </s><s>[INST] Who are you? [/INST]",
                render(ChatTemplate.LLAMA_2));
    }

    @Test
    void llama3() {
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWho are you?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", render(ChatTemplate.LLAMA_3));
    }

    @Test
    void mistral() {
        assertEquals("<s>[INST] Be brief.\n\nHi there [/INST]Hello.</s>[INST] Who are you? [/INST]", render(ChatTemplate.MISTRAL));
    }

    @Test
    void templatesAreRecognisedByTheirMarkers() {
        assertEquals(ChatTemplate.CHATML, ChatTemplate.recognise(
                "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"));
        assertEquals(ChatTemplate.LLAMA_3, ChatTemplate.recognise(
                "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}"));
        assertEquals(ChatTemplate.LLAMA_2, ChatTemplate.recognise(
                "{% set system_message = '<<SYS>>\\n' + messages[0]['content'] | trim + '\\n<</SYS>>\\n\\n' %}{{ bos_token + '[INST] ' }}"));
        assertEquals(ChatTemplate.MISTRAL, ChatTemplate.recognise("{{ bos_token }}{{ '[INST] ' + message['content'] + ' [/INST]' }}"));
        assertNull(ChatTemplate.recognise("{{ '### Human: ' + message['content'] }}"));
        assertEquals(ChatTemplate.LLAMA_3, ChatTemplate.named("Llama-3"));
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.named("vicuna"));
    }

    @Test
    void aConversationNeedsAUserMessage() {
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.CHATML.render(
                List.of(new ChatTemplate.Message("system", "x")), TOK));
    }
}
