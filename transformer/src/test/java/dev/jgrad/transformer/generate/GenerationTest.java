package dev.jgrad.transformer.generate;

import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.ModelGoldens;
import dev.jgrad.transformer.tokenizer.CharTokenizer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Generation on the golden LLaMA and GPT-2: greedy against the full forward, seeds, stop tokens, streaming. */
class GenerationTest {

    private static final int[] PROMPT = {5, 17, 42, 3};

    @Test
    void greedyIsDeterministicAndEqualsTheArgmaxOfTheFullForwardAtEveryStep() throws Exception {
        for (CausalLM m : new CausalLM[] {ModelGoldens.llama(), ModelGoldens.gpt()}) {
            m.eval();
            TextGenerator.Result a = TextGenerator.generate(m, PROMPT, GenerationConfig.greedy(12));
            TextGenerator.Result b = TextGenerator.generate(m, PROMPT, GenerationConfig.greedy(12));
            assertArrayEquals(a.tokens(), b.tokens());
            assertEquals(12, a.tokens().length);
            assertEquals(TextGenerator.StopReason.MAX_TOKENS, a.stopReason());
            int[] seq = Arrays.copyOf(PROMPT, PROMPT.length + a.tokens().length);
            System.arraycopy(a.tokens(), 0, seq, PROMPT.length, a.tokens().length);
            for (int i = 0; i < a.tokens().length; i++) {
                int len = PROMPT.length + i;
                Tensor logits;
                try (NoGrad ignored = NoGrad.enter()) {
                    logits = m.forward(CausalLM.ids(Arrays.copyOf(seq, len)));   // (1, len, V), no cache
                }
                float[] last = logits.select(1, len - 1).reshape(-1).toFloatArray();
                assertEquals(Sampler.argmax(last), a.tokens()[i], "greedy step " + i);
            }
        }
    }

    @Test
    void aTokenizerSmallerThanThePaddedVocabularyNeverGetsAnIdWithoutText() throws Exception {
        CausalLM m = ModelGoldens.llama();
        m.eval();
        int vocab = m.vocabSize();
        StringBuilder chars = new StringBuilder();
        for (int i = 0; chars.length() < vocab / 2; i++) chars.append((char) ('!' + i));
        CharTokenizer small = CharTokenizer.fromText(chars.toString());   // the embedding's second half is padding
        assertTrue(small.vocabSize() < vocab);
        int[] free = TextGenerator.generate(m, PROMPT, GenerationConfig.sampling(200, 2.0, 3)).tokens();
        assertTrue(Arrays.stream(free).anyMatch(id -> id >= small.vocabSize()), "without a tokenizer, padded ids are sampled");
        TextGenerator.Result r = TextGenerator.generate(m, PROMPT, GenerationConfig.sampling(200, 2.0, 3), small, null);
        assertTrue(Arrays.stream(r.tokens()).allMatch(id -> id < small.vocabSize()), Arrays.toString(r.tokens()));
    }

    @Test
    void aSeedReproducesASampledGenerationAndAnotherSeedDiffers() throws Exception {
        CausalLM m = ModelGoldens.llama();
        GenerationConfig c = GenerationConfig.sampling(20, 1.0, 7).withTopK(20).withTopP(0.95);
        int[] a = TextGenerator.generate(m, PROMPT, c).tokens();
        int[] b = TextGenerator.generate(m, PROMPT, c).tokens();
        int[] other = TextGenerator.generate(m, PROMPT, c.withSeed(8)).tokens();
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, other), "seeds 7 and 8 gave the same 20 tokens");
    }

    @Test
    void aStopTokenEndsGenerationAndIsNotEmitted() throws Exception {
        CausalLM m = ModelGoldens.llama();
        int[] free = TextGenerator.generate(m, PROMPT, GenerationConfig.greedy(12)).tokens();
        int cut = -1;   // the first position whose token did not occur before it
        for (int i = 1; i < free.length && cut < 0; i++) {
            boolean seen = false;
            for (int j = 0; j < i; j++) seen |= free[j] == free[i];
            if (!seen) cut = i;
        }
        assertTrue(cut > 0, "the greedy sequence has a fresh token after the first");
        TextGenerator.Result r = TextGenerator.generate(m, PROMPT, GenerationConfig.greedy(12).withStopTokens(free[cut]));
        assertEquals(TextGenerator.StopReason.STOP_TOKEN, r.stopReason());
        assertArrayEquals(Arrays.copyOf(free, cut), r.tokens());
    }

    @Test
    void streamingHandsEachTokenAndItsTextToTheListener() throws Exception {
        CausalLM m = ModelGoldens.gpt();
        StringBuilder chars = new StringBuilder();
        for (int i = 0; i < 64; i++) chars.appendCodePoint(i < 26 ? 'a' + i : i < 52 ? 'A' + i - 26 : 0x3b1 + i - 52);
        CharTokenizer tok = CharTokenizer.fromText(chars.toString());
        assertEquals(64, tok.vocabSize());
        StringBuilder streamed = new StringBuilder();
        int[] count = {0};
        TextGenerator.Result r = TextGenerator.generate(m, PROMPT, GenerationConfig.sampling(10, 0.8, 3), tok,
                (id, text) -> {
                    assertEquals(tok.decode(new int[] {id}), text);
                    streamed.append(text);
                    count[0]++;
                });
        assertEquals(10, count[0]);
        assertEquals(tok.decode(r.tokens()), streamed.toString());
        assertEquals(streamed.toString(), r.text());
    }

    @Test
    void theContextBoundsGenerationAndBadPromptsAreRefused() throws Exception {
        CausalLM m = ModelGoldens.gpt();   // 32 positions
        int[] prompt = new int[30];
        TextGenerator.Result r = TextGenerator.generate(m, prompt, GenerationConfig.greedy(10));
        assertEquals(TextGenerator.StopReason.CONTEXT_FULL, r.stopReason());
        assertEquals(3, r.tokens().length, "positions 30 and 31 are decoded, and their logits give 2 more tokens after the prompt's");
        TextGenerator.Result unbounded = TextGenerator.generate(m, prompt, GenerationConfig.greedy(Integer.MAX_VALUE));
        assertEquals(3, unbounded.tokens().length, "maxNewTokens is bounded by the context, not allocated");
        var empty = assertThrows(IllegalArgumentException.class, () -> TextGenerator.generate(m, new int[0], GenerationConfig.greedy(1)));
        assertTrue(empty.getMessage().contains("at least one token"));
        var range = assertThrows(IllegalArgumentException.class, () -> TextGenerator.generate(m, new int[] {1, 64}, GenerationConfig.greedy(1)));
        assertTrue(range.getMessage().contains("id 64 at position 1"), range.getMessage());
    }
}
