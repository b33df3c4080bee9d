package dev.jgrad.transformer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.core.Generator;
import dev.jgrad.core.io.gguf.GgufFile;
import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.llama.LlamaModel;
import dev.jgrad.transformer.tokenizer.ByteLevelBpeTokenizer;
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
 * Real vocabularies (LLaMA-2's tokenizer.model, GPT-2's encoder.json + vocab.bpe, from shared data) through GGUF
 * metadata: jgrad writes them, reads them back, and tokenizes as the original tokenizer and as llama.cpp does with
 * the same file ({@code src/test/scripts/gguf-js/tokenize_llama_cpp.mjs}, committed as
 * {@code gguf/llama-cpp-{llama2,gpt2}-tokens.json}).
 */
class GgufTokenizerParityTest {

    @TempDir
    Path tmp;

    private static Path shared(String... parts) {
        String shared = System.getProperty("jgrad.shared");
        Assumptions.assumeTrue(shared != null, "jgrad.shared is not set: skipping (needs shared data)");
        Path p = Path.of(shared, "data");
        for (String s : parts) p = p.resolve(s);
        Assumptions.assumeTrue(Files.exists(p), p + " is missing: skipping");
        return p;
    }

    private Path out(String name) throws Exception {
        String target = System.getProperty("jgrad.gguf.fixtureDir");
        return (target != null ? Files.createDirectories(Path.of(target)) : tmp).resolve(name);
    }

    private static JsonNode fixture(String name) throws Exception {
        try (InputStream in = GgufTokenizerParityTest.class.getResourceAsStream("/gguf/" + name)) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static int[] ids(JsonNode t) {
        int[] out = new int[t.get("ids").size()];
        for (int i = 0; i < out.length; i++) out[i] = t.get("ids").get(i).asInt();
        return out;
    }

    @Test
    void llama2VocabularyTokenizesAsTheOriginalAndAsLlamaCpp() throws Exception {
        Path model = shared("llama2-tokenizer", "tokenizer.model");
        SentencePieceBpeTokenizer original = SentencePieceBpeTokenizer.load(model);
        Path file = out("llama2-vocab.gguf");
        LlamaConfig c = new LlamaConfig(original.vocabSize(), 32, 1, 2, 1, 64, 1e-5, 10000, RopeStyle.INTERLEAVED, 64, true);
        GgufCheckpoint.save(new LlamaModel(c, new Generator(3)), original, GgufType.Q8_0, "llama2-vocab", file);

        Tokenizer back;
        try (GgufFile g = GgufFile.open(file)) {
            back = GgufCheckpoint.tokenizer(g);
            assertEquals(1, g.get("tokenizer.ggml.bos_token_id").asInt());
            assertEquals(2, g.get("tokenizer.ggml.eos_token_id").asInt());
        }
        assertEquals(32000, back.vocabSize());
        JsonNode fixture = fixture("llama-cpp-llama2-tokens.json");
        assertEquals(9, fixture.size());
        for (JsonNode t : fixture) {
            String text = t.get("text").asText();
            int[] llamaCpp = ids(t);
            assertArrayEquals(original.encode(text), back.encode(text), "as the original: " + text);
            assertArrayEquals(llamaCpp, back.encode(text), "as llama.cpp: " + text);
            assertEquals(original.decode(llamaCpp), back.decode(llamaCpp), text);
        }
    }

    /** GPT-2's byte-level BPE (encoder.json and vocab.bpe from shared data) the same way, as GGUF's "gpt2" tokenizer. */
    @Test
    void gpt2VocabularyTokenizesAsTheOriginalAndAsLlamaCpp() throws Exception {
        ByteLevelBpeTokenizer original = ByteLevelBpeTokenizer.fromGpt2Files(shared("gpt2-bpe", "encoder.json"),
                shared("gpt2-bpe", "vocab.bpe"));
        Path file = out("gpt2-vocab.gguf");
        LlamaConfig c = new LlamaConfig(original.vocabSize(), 32, 1, 2, 1, 64, 1e-5, 10000, RopeStyle.INTERLEAVED, 64, true);
        GgufCheckpoint.save(new LlamaModel(c, new Generator(4)), original, GgufType.Q8_0, "gpt2-vocab", file);
        Tokenizer back;
        try (GgufFile g = GgufFile.open(file)) {
            back = GgufCheckpoint.tokenizer(g);
            assertEquals(50000, g.get("tokenizer.ggml.merges").asArray().size());
        }
        JsonNode fixture = fixture("llama-cpp-gpt2-tokens.json");
        assertEquals(9, fixture.size());
        for (JsonNode t : fixture) {
            String text = t.get("text").asText();
            assertArrayEquals(original.encode(text), back.encode(text), "as the original: " + text);
            assertArrayEquals(ids(t), back.encode(text), "as llama.cpp: " + text);
        }
    }
}
