package dev.jgrad.transformer.generate;

import dev.jgrad.transformer.ModelGoldens;
import dev.jgrad.transformer.checkpoint.JgradCheckpoint;
import dev.jgrad.transformer.checkpoint.ModelLoader;
import dev.jgrad.transformer.tokenizer.CharTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Generate}, the library side of {@code ./jgrad generate}, on the golden checkpoints. */
class GenerateCommandTest {

    private static String[] run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        Generate.run(Generate.Options.parse(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void aLlama2cCheckpointWithoutTokenizerPrintsGreedyIdsFromBos() throws Exception {
        String bin = ModelGoldens.dir().resolve("llama2c/model.bin").toString();
        String[] r = run("--checkpoint", bin, "--temperature", "0", "--steps", "8", "--ids");
        // The same generation through the API: BOS (1) as the prompt, stop at BOS, greedy.
        ModelLoader.Loaded loaded = ModelLoader.load(Path.of(bin));
        TextGenerator.Result expected = TextGenerator.generate(loaded.model(), new int[] {1},
                GenerationConfig.greedy(8).withStopTokens(1));
        String ids = Arrays.stream(expected.tokens()).mapToObj(Integer::toString).collect(Collectors.joining(" "));
        assertEquals(ids + "\n", r[0]);
        assertTrue(r[1].contains("LLAMA2C"), r[1]);
        var noTok = assertThrows(IllegalArgumentException.class, () -> run("--checkpoint", bin, "--prompt", "hi"));
        assertTrue(noTok.getMessage().contains("--prompt needs a tokenizer"), noTok.getMessage());
    }

    @Test
    void promptIdsSeedAndSamplingFlagsReachTheGenerator() throws Exception {
        String dir = ModelGoldens.dir().resolve("hf-llama-sharded").toString();
        String[] a = run("--checkpoint", dir, "--format", "hf", "--prompt-ids", "1 5 9", "--seed", "5", "--top-k", "5",
                "--top-p", "0.8", "--temperature", "0.7", "--steps", "6", "--ids");
        String[] b = run("--checkpoint", dir, "--prompt-ids", "1,5,9", "--seed", "5", "--top-k", "5", "--top-p", "0.8",
                "--temperature", "0.7", "--steps", "6", "--ids");
        assertEquals(a[0], b[0]);
        ModelLoader.Loaded loaded = ModelLoader.load(Path.of(dir));
        int[] expected = TextGenerator.generate(loaded.model(), new int[] {1, 5, 9},
                new GenerationConfig(6, 0.7, 5, 0.8, 1.0, new int[] {2}, 5)).tokens();
        int[] printed = a[0].isBlank() ? new int[0] : Arrays.stream(a[0].trim().split(" ")).mapToInt(Integer::parseInt).toArray();
        assertArrayEquals(expected, printed);
    }

    @Test
    void aJgradCheckpointWithATokenizerStreamsText(@TempDir Path tmp) throws Exception {
        StringBuilder chars = new StringBuilder();
        for (int i = 0; i < 64; i++) chars.appendCodePoint(i < 26 ? 'a' + i : i < 52 ? 'A' + i - 26 : '0' + i - 52);
        CharTokenizer tok = CharTokenizer.fromText(chars.toString());
        Path ck = tmp.resolve("ck");
        JgradCheckpoint.save(ck, ModelGoldens.gpt());
        tok.save(tmp.resolve("chars.json"));
        String[] r = run("--checkpoint", ck.toString(), "--tokenizer", tmp.resolve("chars.json").toString(), "--prompt", "abc",
                "--temperature", "0", "--steps", "5");
        int[] expected = TextGenerator.generate(ModelLoader.load(ck).model(), tok.encode("abc"), GenerationConfig.greedy(5)).tokens();
        assertEquals("abc" + tok.decode(expected) + "\n", r[0]);
    }

    @Test
    void badFlagsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Generate.Options.parse("--steps", "x", "--checkpoint", "a"))
                .getMessage().contains("--steps expects a number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Generate.Options.parse("--bogus", "1"))
                .getMessage().contains("unknown option --bogus"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Generate.Options.parse("--steps", "3"))
                .getMessage().contains("--checkpoint is required"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Generate.Options.parse("--checkpoint", "a", "--format", "onnx"))
                .getMessage().contains("unknown checkpoint format"));
    }
}
