package dev.jgrad.transformer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.core.Generator;
import dev.jgrad.core.io.gguf.GgufFile;
import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.core.io.gguf.GgufValue;
import dev.jgrad.core.io.gguf.GgufWriter;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        GgufCheckpoint.save(new LlamaModel(c, new Generator(3)), original, null, GgufType.Q8_0, "llama2-vocab", file);

        Tokenizer back;
        try (GgufFile g = GgufFile.open(file)) {
            back = GgufCheckpoint.tokenizer(g);
            assertEquals(1, g.get("tokenizer.ggml.bos_token_id").asInt());
            assertEquals(2, g.get("tokenizer.ggml.eos_token_id").asInt());
        }
        assertEquals(32000, back.vocabSize());
        JsonNode fixture = fixture("llama-cpp-llama2-tokens.json");
        assertEquals(10, fixture.size());
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
        GgufCheckpoint.save(new LlamaModel(c, new Generator(4)), original, null, GgufType.Q8_0, "gpt2-vocab", file);
        Tokenizer back;
        try (GgufFile g = GgufFile.open(file)) {
            back = GgufCheckpoint.tokenizer(g);
            assertEquals(50000, g.get("tokenizer.ggml.merges").asArray().size());
        }
        JsonNode fixture = fixture("llama-cpp-gpt2-tokens.json");
        assertEquals(10, fixture.size());
        for (JsonNode t : fixture) {
            String text = t.get("text").asText();
            assertArrayEquals(original.encode(text), back.encode(text), "as the original: " + text);
            assertArrayEquals(ids(t), back.encode(text), "as llama.cpp: " + text);
        }

        // The same vocabulary with LLaMA-3's pre-tokenizer ("llama-bpe"), as llama.cpp splits and merges with it
        Path llama3 = out("gpt2-vocab-llama-bpe.gguf");
        try (GgufFile g = GgufFile.open(file)) {
            GgufWriter w = new GgufWriter();
            g.metadata().forEach(w::put);
            w.put("tokenizer.ggml.pre", GgufValue.string("llama-bpe"));
            for (GgufFile.TensorInfo t : g.tensors()) w.add(t.name(), t.type(), t.ne(), () -> g.readFloats(t.name()));
            w.write(llama3);
        }
        try (GgufFile g = GgufFile.open(llama3)) {
            back = GgufCheckpoint.tokenizer(g);
        }
        assertEquals(ByteLevelBpeTokenizer.PreTokenizer.LLAMA3, ((ByteLevelBpeTokenizer) back).preTokenizer());
        fixture = fixture("llama-cpp-llama-bpe-tokens.json");
        assertEquals(10, fixture.size());
        boolean differs = false;
        for (JsonNode t : fixture) {
            String text = t.get("text").asText();
            assertArrayEquals(ids(t), back.encode(text), "as llama.cpp with llama-bpe: " + text);
            differs |= !java.util.Arrays.equals(original.encode(text), back.encode(text));
        }
        assertTrue(differs, "LLaMA-3's splitting differs from GPT-2's on these texts");
    }
}
