package dev.jgrad.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jgrad.transformer.chat.ChatMessage;
import dev.jgrad.transformer.chat.ChatTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.assertIdsEqual;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.fixture;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.ints;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.resourcePath;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.resourceText;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.sha256;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.sharedFile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Byte-level BPE with a Split pre-tokenizer, against two independent implementations (fixtures from
 * {@code src/test/scripts/bpe-fixtures/make_split_bpe_fixtures.mjs}): Llama 3's tokenizer (llama3-tokenizer-js,
 * its ids confirmed by @huggingface/transformers on the committed vocabulary subset: Llama 3's regex,
 * {@code ignore_merges}), and Qwen2's pre-tokenizer (digits one at a time, NFC) over the same vocabulary, by
 * @huggingface/transformers. Texts: a Tiny Shakespeare excerpt, the Unicode stress text, a chat transcript with
 * special tokens (matched before BPE).
 */
class SplitBpeParityTest {

    private static final JsonNode FIXTURES = fixture("split-bpe-fixtures.json");

    @Test
    void llama3OnUnicodeStressAndChat(@TempDir Path dir) throws IOException {
        Tokenizer t = Tokenizer.load(resourcePath("llama3-subset.tokenizer.json", dir));
        check(t, "llama3", "unicode-stress");
        check(t, "llama3", "chat");
        assertEquals(FIXTURES.get("vocab_size").intValue(), t.vocabSize());
        assertEquals("<|begin_of_text|>", t.piece(t.bosId()));
        assertEquals("<|end_of_text|>", t.piece(t.eosId()));
    }

    @Test
    void qwen2StyleOnUnicodeStressAndChat(@TempDir Path dir) throws IOException {
        Tokenizer t = Tokenizer.load(resourcePath("qwen2-style.tokenizer.json", dir));
        check(t, "qwen2", "unicode-stress");
        check(t, "qwen2", "chat");
    }

    @Test
    void bothOnTinyShakespeare(@TempDir Path dir) throws IOException {
        check(Tokenizer.load(resourcePath("llama3-subset.tokenizer.json", dir)), "llama3", "tinyshakespeare");
        check(Tokenizer.load(resourcePath("qwen2-style.tokenizer.json", dir)), "qwen2", "tinyshakespeare");
    }

    /** The llama-3 template rendered and encoded (special tokens first) as transformers.js' apply_chat_template does. */
    @Test
    void llama3ChatTemplateTokensMatchApplyChatTemplate(@TempDir Path dir) throws IOException {
        Tokenizer t = Tokenizer.load(resourcePath("llama3-subset.tokenizer.json", dir));
        ChatTemplate template = ChatTemplate.of(ChatTemplate.Format.LLAMA_3, "<|begin_of_text|>", "<|end_of_text|>");
        assertEquals(4, FIXTURES.get("llama3_chat").size());
        for (JsonNode c : FIXTURES.get("llama3_chat")) {
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonNode m : c.get("messages")) messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
            boolean generation = c.get("add_generation_prompt").asBoolean();
            assertIdsEqual(ints(c.get("ids")), t.encodeWithSpecialTokens(template.render(messages, generation)),
                    "chat " + messages.size() + " messages" + (generation ? " + generation prompt" : ""));
        }
    }

    @Test
    void digitsAndNormalizationFollowEachPreTokenizer(@TempDir Path dir) throws IOException {
        Tokenizer llama = Tokenizer.load(resourcePath("llama3-subset.tokenizer.json", dir));
        Tokenizer qwen = Tokenizer.load(resourcePath("qwen2-style.tokenizer.json", dir));
        // Qwen2 takes digits one by one; Llama 3 in groups of up to three
        assertEquals(5, qwen.encode("12345").length);
        assertTrue(llama.encode("12345").length <= 2);
        // NFC: "e" + combining acute is "é" for Qwen2's normalizer, two characters for Llama 3
        String decomposed = "caf" + "e\u0301";
        assertEquals(qwen.decode(qwen.encode(decomposed)), Normalizer.normalize(decomposed, Normalizer.Form.NFC));
        assertEquals(decomposed, llama.decode(llama.encode(decomposed)));
    }

    @Test
    void tokenizerConfigBesideTheFileNamesBosAndEos(@TempDir Path dir) throws IOException {
        Path json = resourcePath("qwen2-style.tokenizer.json", dir);
        Tokenizer byName = Tokenizer.load(json);
        assertEquals("<|end_of_text|>", byName.piece(byName.eosId()));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": null, \"eos_token\": \"<|eot_id|>\"}");
        Tokenizer configured = Tokenizer.load(json);
        assertEquals("<|eot_id|>", configured.piece(configured.eosId()));
        assertEquals("<|begin_of_text|>", configured.piece(configured.bosId()), "no bos_token: found by name");
    }

    @Test
    void unsupportedSplitsAreRefusedByName(@TempDir Path dir) throws IOException {
        String json = resourceText("llama3-subset.tokenizer.json");
        Path badRegex = Files.writeString(dir.resolve("a.json"), json.replace("\"Regex\":\"(?i:", "\"Regex\":\"((?i:"));
        assertTrue(assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(badRegex)).getMessage()
                .contains("the Split regex does not compile"));
        Path removed = Files.writeString(dir.resolve("b.json"), json.replace("\"Isolated\"", "\"Removed\""));
        assertTrue(assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(removed)).getMessage()
                .contains("only Split with behavior Isolated and invert false is supported"));
        Path lowercase = Files.writeString(dir.resolve("c.json"), json.replace("\"normalizer\":null", "\"normalizer\":{\"type\":\"Lowercase\"}"));
        assertTrue(assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(lowercase)).getMessage()
                .contains("normalizer \"Lowercase\" is not supported"));
    }

    @Test
    void savedTokenizerJsonKeepsThePreTokenizer(@TempDir Path dir) throws IOException {
        for (String name : new String[] {"llama3-subset.tokenizer.json", "qwen2-style.tokenizer.json"}) {
            ByteLevelBpeTokenizer t = ByteLevelBpeTokenizer.fromHuggingFaceJson(resourcePath(name, dir));
            Path saved = dir.resolve("saved-" + name);
            t.saveHuggingFaceJson(saved);
            Tokenizer again = Tokenizer.load(saved);
            String text = resourceText("unicode-stress.txt");
            assertIdsEqual(t.encode(text), again.encode(text), name + " after save and load");
        }
    }

    private static void check(Tokenizer t, String model, String textName) throws IOException {
        JsonNode entry = null;
        for (JsonNode e : FIXTURES.get("texts")) if (e.get("name").asText().equals(textName)) entry = e;
        assertTrue(entry != null, "no fixture text " + textName);
        String text = text(entry);
        assertEquals(entry.get("sha256").asText(), sha256(text.getBytes(StandardCharsets.UTF_8)), textName + " text");
        int[] ids = t.encodeWithSpecialTokens(text);
        assertIdsEqual(ints(entry.get(model)), ids, model + " on " + textName);
        String expected = model.equals("qwen2") ? Normalizer.normalize(text, Normalizer.Form.NFC) : text;
        assertEquals(expected, t.decode(ids), model + " round trip on " + textName);
    }

    private static String text(JsonNode entry) throws IOException {
        String source = entry.get("source").asText();
        if (source.equals("inline")) return entry.get("text").asText();
        if (source.startsWith("resource:tokenizer/")) return resourceText(source.substring("resource:tokenizer/".length()));
        // shared:data/NAME[0:N]
        String spec = source.substring("shared:data/".length());
        String file = spec.substring(0, spec.indexOf('['));
        int chars = Integer.parseInt(spec.substring(spec.indexOf(':') + 1, spec.indexOf(']')));
        return Files.readString(sharedFile(file), StandardCharsets.UTF_8).substring(0, chars);
    }
}
