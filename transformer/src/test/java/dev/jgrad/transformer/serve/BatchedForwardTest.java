package dev.jgrad.transformer.serve;

import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.KvCache;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sequence's logits from a batched step are bit-identical whether it runs alone or among neighbours at other
 * positions (prefilling or decoding, with or without an adapter), and equal, up to float rounding, to the model's
 * own cached forward ({@link CausalLM#decodeLast}, itself checked against PyTorch).
 */
class BatchedForwardTest {

    static BatchedForward.Sequence seq(KvCache cache, int... tokens) {
        return new BatchedForward.Sequence(cache, tokens, null);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "gpt"})
    void logitsDoNotDependOnTheNeighbours(String arch) {
        CausalLM model = BatchEngineTest.model(arch, 21);
        BatchedForward f = new BatchedForward(model);
        int[] prompt = {3, 14, 15, 9, 2, 6, 5};

        KvCache alone = model.newCache(1, 32);
        float[] prefillAlone = f.step(List.of(seq(alone, prompt)))[0];
        float[] decodeAlone = f.step(List.of(seq(alone, 26)))[0];

        KvCache mine = model.newCache(1, 32), early = model.newCache(1, 32), late = model.newCache(1, 32);
        Adapter adapter = BatchEngineTest.adapter(model, 4);
        f.step(List.of(seq(early, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)));
        float[][] first = f.step(List.of(seq(early, 11), seq(mine, prompt), new BatchedForward.Sequence(late, new int[] {7, 7}, adapter)));
        float[][] second = f.step(List.of(new BatchedForward.Sequence(late, new int[] {8}, adapter), seq(mine, 26), seq(early, 12)));
        assertArrayEquals(prefillAlone, first[1], "prefill among others");
        assertArrayEquals(decodeAlone, second[1], "decode among others");
        assertEquals(prompt.length + 1, mine.length());
        assertEquals(12, early.length());

        KvCache reference = model.newCache(1, 32);
        float[] expectedPrefill = model.decodeLast(CausalLM.ids(prompt), reference).toFloatArray();
        float[] expectedDecode = model.decodeLast(CausalLM.ids(new int[] {26}), reference).toFloatArray();
        assertClose(expectedPrefill, prefillAlone);
        assertClose(expectedDecode, decodeAlone);
    }

    static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++)
            assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-4 * (1 + Math.abs(expected[i])),
                    "logit " + i + ": " + expected[i] + " vs " + actual[i]);
    }
}
