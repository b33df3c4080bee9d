package dev.jgrad.transformer.generate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sampling stages on fixed logits. Expected distributions are computed by hand in the test (softmax of the
 * kept logits); sampled frequencies over 20000 draws must lie within 5 standard errors of them.
 */
class SamplerTest {

    private static final float[] LOGITS = {1.0f, 3.0f, -1.0f, 2.5f, 0.0f, 2.9f, -3.0f, 1.5f};
    private static final int DRAWS = 20000;

    private static double[] frequencies(GenerationConfig c, float[] logits) {
        Sampler s = new Sampler(c);
        double[] f = new double[logits.length];
        for (int i = 0; i < DRAWS; i++) f[s.next(logits.clone(), new int[0], 0)] += 1.0 / DRAWS;
        return f;
    }

    /** softmax(logits / t) restricted to {@code keep}, by hand. */
    private static double[] expected(float[] logits, double t, int... keep) {
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i : keep) sum += p[i] = Math.exp(logits[i] / t);
        for (int i : keep) p[i] /= sum;
        return p;
    }

    private static void assertDistribution(double[] expected, double[] actual) {
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == 0) {
                assertEquals(0, actual[i], "token " + i + " is outside the kept set but was drawn");
                continue;
            }
            double se = Math.sqrt(expected[i] * (1 - expected[i]) / DRAWS);
            assertEquals(expected[i], actual[i], 5 * se + 1e-12, "frequency of token " + i);
        }
    }

    @Test
    void plainSamplingFollowsTheSoftmaxAtTheTemperature() {
        assertDistribution(expected(LOGITS, 1, 0, 1, 2, 3, 4, 5, 6, 7), frequencies(GenerationConfig.sampling(1, 1, 11), LOGITS));
        assertDistribution(expected(LOGITS, 2, 0, 1, 2, 3, 4, 5, 6, 7), frequencies(GenerationConfig.sampling(1, 2, 12), LOGITS));
        assertDistribution(expected(LOGITS, 0.5, 0, 1, 2, 3, 4, 5, 6, 7), frequencies(GenerationConfig.sampling(1, 0.5, 13), LOGITS));
    }

    @Test
    void topKNeverLeavesTheKBest() {
        // The 3 best are ids 1 (3.0), 5 (2.9), 3 (2.5).
        assertDistribution(expected(LOGITS, 1, 1, 5, 3), frequencies(GenerationConfig.sampling(1, 1, 21).withTopK(3), LOGITS));
        assertDistribution(expected(LOGITS, 1, 1), frequencies(GenerationConfig.sampling(1, 1, 22).withTopK(1), LOGITS));
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.15), (float) Math.log(0.1)};
        // Sorted: 0.5, 0.25, 0.15, 0.1. p = 0.7 keeps {0, 1} (0.5 < 0.7 ≤ 0.75); p = 0.8 keeps {0, 1, 2}; p = 0.4 keeps {0}.
        assertDistribution(new double[] {2 / 3.0, 1 / 3.0, 0, 0}, frequencies(GenerationConfig.sampling(1, 1, 31).withTopP(0.7), logits));
        assertDistribution(new double[] {0.5 / 0.9, 0.25 / 0.9, 0.15 / 0.9, 0}, frequencies(GenerationConfig.sampling(1, 1, 32).withTopP(0.8), logits));
        assertDistribution(new double[] {1, 0, 0, 0}, frequencies(GenerationConfig.sampling(1, 1, 33).withTopP(0.4), logits));
    }

    @Test
    void topKThenTopPCombine() {
        // top-k 3 keeps ids 1, 5, 3 with probabilities ∝ e^3, e^2.9, e^2.5 = 0.398, 0.360, 0.241 (by hand);
        // top-p 0.7 then keeps 1 and 5 (0.398 < 0.7 ≤ 0.758).
        assertDistribution(expected(LOGITS, 1, 1, 5), frequencies(GenerationConfig.sampling(1, 1, 41).withTopK(3).withTopP(0.7), LOGITS));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens() {
        float[] logits = {2.0f, -2.0f, 1.0f, 0.5f};
        Sampler.applyRepetitionPenalty(logits, new int[] {0, 1, 1, 9}, 3, 2.0f);   // id 9 lies beyond length 3
        assertArrayEquals(new float[] {1.0f, -4.0f, 1.0f, 0.5f}, logits);
        // Greedy with the penalty: id 1 of LOGITS (3.0 → 1.5) loses to id 5 (2.9).
        GenerationConfig c = GenerationConfig.greedy(1).withRepetitionPenalty(2.0);
        assertEquals(5, new Sampler(c).next(LOGITS.clone(), new int[] {1}, 1));
        assertEquals(1, new Sampler(GenerationConfig.greedy(1)).next(LOGITS.clone(), new int[] {1}, 1));
    }

    @Test
    void greedyPicksTheFirstMaximum() {
        assertEquals(1, Sampler.argmax(new float[] {0, 5, 5, -1}));
        assertTrue(Sampler.draw(new double[] {0, 0, 1, 0}, 0.999) == 2);
    }
}
