package dev.jgrad.transformer.generate;

import dev.jgrad.core.Generator;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.checkpoint.HfCheckpoint;
import dev.jgrad.transformer.checkpoint.ModelLoader;
import dev.jgrad.transformer.llama.LlamaModel;
import dev.jgrad.transformer.tokenizer.Tokenizer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * End to end with LLaMA-2's real SentencePiece tokenizer (llama2.c's {@code tokenizer.bin}, shared data): a small
 * random model with the 32000-token vocabulary, saved as an HF checkpoint, generated from through
 * {@link Generate} with {@code --tokenizer}. The prompt is encoded with BOS; the printed text is the prompt followed
 * by the tokenizer's decoding of exactly the generated ids.
 */
class Llama2TokenizerGenerationTest {

    @Test
    void generatesTextThroughTheSentencePieceTokenizer(@TempDir Path tmp) throws Exception {
        String shared = System.getProperty("jgrad.shared");
        Assumptions.assumeTrue(shared != null, "jgrad.shared is not set: skipping (needs shared data)");
        Assumptions.assumeTrue(Files.isDirectory(Path.of(shared, "data")), "no shared data folder: skipping");
        Path tokenizerBin = Path.of(shared, "data", "llama2-tokenizer", "tokenizer.bin");
        LlamaConfig c = new LlamaConfig(32000, 16, 1, 2, 1, 32, 1e-5, 10000, RopeStyle.HALF, 64, true);
        HfCheckpoint.save(new LlamaModel(c, new Generator(3)), tmp.resolve("m"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TextGenerator.Result r = Generate.run(Generate.Options.parse("--checkpoint", tmp.resolve("m").toString(),
                "--tokenizer", tokenizerBin.toString(), "--prompt", "Once upon a time", "--temperature", "0",
                "--steps", "6"), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
        Tokenizer tok = Tokenizer.load(tokenizerBin);
        int[] prompt = tok.encode("Once upon a time", true, false);
        assertEquals(1, prompt[0], "BOS first");
        ModelLoader.Loaded loaded = ModelLoader.load(tmp.resolve("m"));
        int[] expected = TextGenerator.generate(loaded.model(), prompt, GenerationConfig.greedy(6).withStopTokens(2)).tokens();
        assertArrayEquals(expected, r.tokens());
        assertEquals("Once upon a time" + tok.decode(r.tokens()) + "\n", out.toString(StandardCharsets.UTF_8));
    }
}
