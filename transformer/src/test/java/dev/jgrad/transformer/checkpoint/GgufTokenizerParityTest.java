package dev.jgrad.transformer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.core.Generator;
import dev.jgrad.core.io.gguf.GgufFile;
import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.llama.LlamaModel;
import dev.jgrad.transformer.tokenizer.SentencePieceBpeTokenizer;
import dev.jgrad.transformer.tokenizer.Tokenizer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * LLaMA-2's real vocabulary (tokenizer.model from shared data) through GGUF metadata: jgrad writes it, reads it
 * back, and tokenizes as the original tokenizer and as llama.cpp does with the same file
 * ({@code src/test/scripts/gguf-js/tokenize_llama_cpp.mjs}, committed as {@code gguf/llama-cpp-llama2-tokens.json}).
 */
class GgufTokenizerParityTest {

    @TempDir
    Path tmp;

    @Test
    void llama2VocabularyTokenizesAsTheOriginalAndAsLlamaCpp() throws Exception {
        String shared = System.getProperty("jgrad.shared");
        Assumptions.assumeTrue(shared != null, "jgrad.shared is not set: skipping (needs shared data)");
        Path model = Path.of(shared, "data", "llama2-tokenizer", "tokenizer.model");
        Assumptions.assumeTrue(Files.isRegularFile(model), "no LLaMA-2 tokenizer in shared data: skipping");
        SentencePieceBpeTokenizer original = SentencePieceBpeTokenizer.load(model);
        String target = System.getProperty("jgrad.gguf.fixtureDir");
        Path file = (target != null ? Files.createDirectories(Path.of(target)) : tmp).resolve("llama2-vocab.gguf");
        LlamaConfig c = new LlamaConfig(original.vocabSize(), 32, 1, 2, 1, 64, 1e-5, 10000, RopeStyle.INTERLEAVED, 64, true);
        GgufCheckpoint.save(new LlamaModel(c, new Generator(3)), original, GgufType.Q8_0, "llama2-vocab", file);

        Tokenizer back;
        try (GgufFile g = GgufFile.open(file)) {
            back = GgufCheckpoint.tokenizer(g);
            assertEquals(1, g.get("tokenizer.ggml.bos_token_id").asInt());
            assertEquals(2, g.get("tokenizer.ggml.eos_token_id").asInt());
        }
        assertEquals(32000, back.vocabSize());
        JsonNode fixture;
        try (InputStream in = getClass().getResourceAsStream("/gguf/llama-cpp-llama2-tokens.json")) {
            fixture = new ObjectMapper().readTree(in);
        }
        for (JsonNode t : fixture) {
            String text = t.get("text").asText();
            int[] llamaCpp = new int[t.get("ids").size()];
            for (int i = 0; i < llamaCpp.length; i++) llamaCpp[i] = t.get("ids").get(i).asInt();
            assertArrayEquals(original.encode(text), back.encode(text), "as the original: " + text);
            assertArrayEquals(llamaCpp, back.encode(text), "as llama.cpp: " + text);
            assertEquals(original.decode(llamaCpp), back.decode(llamaCpp), text);
        }
    }
}
