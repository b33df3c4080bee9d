package dev.jgrad.optim.search;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.jgrad.optim.search.HyperparameterSearch.Strategy.GP;
import static dev.jgrad.optim.search.HyperparameterSearch.Strategy.RANDOM;
import static dev.jgrad.optim.search.HyperparameterSearch.Strategy.TPE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TPE and GP against random search on functions with known minima, and the samplers' contracts. */
class BayesianSearchTest {

    /** The functions themselves, at their published minimisers. */
    @Test
    void objectivesHaveTheirPublishedMinima() {
        assertEquals(0.397887, Objectives.branin(-Math.PI, 12.275), 1e-6);
        assertEquals(0.397887, Objectives.branin(Math.PI, 2.275), 1e-6);
        assertEquals(0.397887, Objectives.branin(9.42478, 2.475), 1e-6);
        assertEquals(-3.32237, Objectives.hartmann6(new double[]{0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573}), 1e-5);
    }

    /**
     * The cheap version of the benchmark (SearchBenchmark prints the full table over 20 seeds): over 7 seeds,
     * the median number of evaluations TPE and GP need to come within the regret is at most half of random
     * search's.
     */
    @Test
    void tpeAndGpNeedAtMostHalfTheEvaluationsOfRandomSearch() {
        check(Objectives.branin(), 0.1);
        check(Objectives.hartmann6(), 0.5);
    }

    private static void check(Objectives.Objective o, double regret) {
        int seeds = 7;
        int[] random = new int[seeds], tpe = new int[seeds], gp = new int[seeds];
        for (int s = 0; s < seeds; s++) {
            random[s] = Objectives.evaluationsToRegret(RANDOM, o, s, regret, 5000, 10);
            tpe[s] = Objectives.evaluationsToRegret(TPE, o, s, regret, 200, 10);
            gp[s] = Objectives.evaluationsToRegret(GP, o, s, regret, 200, 10);
        }
        double r = Objectives.median(random), t = Objectives.median(tpe), g = Objectives.median(gp);
        String msg = o.name() + ": median evaluations random " + r + ", tpe " + t + ", gp " + g;
        assertTrue(t <= r / 2, msg);
        assertTrue(g <= r / 2, msg);
    }

    private static SearchSpace mixedSpace() {
        return SearchSpace.parse(List.of("lr=loguniform:1e-5:1e-1", "drop=uniform:0:0.5", "width=int:2:9", "act=relu,gelu,tanh"));
    }

    /** A loss with its minimum at lr=1e-3, drop=0.1, width=6, act=gelu. */
    private static double loss(Map<String, Object> p) {
        double lr = Math.log10((double) p.get("lr")) + 3, d = (double) p.get("drop") - 0.1, w = (int) p.get("width") - 6;
        return lr * lr + 10 * d * d + 0.1 * w * w + (p.get("act").equals("gelu") ? 0 : 1);
    }

    private static List<Map<String, Object>> trials(Sampler sampler, int n) {
        SearchSpace space = mixedSpace();
        List<Trial> history = new ArrayList<>();
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> p = sampler.sample(space, history, i);
            out.add(p);
            history.add(new Trial(i, p, loss(p), 1, 0, "completed"));
        }
        return out;
    }

    @Test
    void samplersAreSeededAndStayInTheSpace() {
        for (long seed : new long[]{1, 2}) {
            for (Sampler s : List.of(new TpeSampler(seed, 5), new GpSampler(seed, 5))) {
                List<Map<String, Object>> a = trials(s, 25);
                List<Map<String, Object>> b = trials(s instanceof TpeSampler ? new TpeSampler(seed, 5) : new GpSampler(seed, 5), 25);
                assertEquals(a, b, "same seed, same trials");
                for (Map<String, Object> p : a) {
                    double lr = (double) p.get("lr"), d = (double) p.get("drop");
                    assertTrue(lr >= 1e-5 && lr <= 1e-1 && d >= 0 && d <= 0.5, p.toString());
                    assertTrue(p.get("width") instanceof Integer w && w >= 2 && w <= 9, p.toString());
                    assertTrue(List.of("relu", "gelu", "tanh").contains(p.get("act")), p.toString());
                }
            }
        }
        assertNotEquals(trials(new TpeSampler(1, 5), 25), trials(new TpeSampler(2, 5), 25));
        assertNotEquals(trials(new GpSampler(1, 5), 25), trials(new GpSampler(2, 5), 25));
    }

    /** After the startup trials, both concentrate on the good region, categorical choice included. */
    @Test
    void samplersLearnTheGoodRegionOfAMixedSpace() {
        for (Sampler s : List.of(new TpeSampler(3, 10), new GpSampler(3, 10))) {
            List<Map<String, Object>> t = trials(s, 50);
            long gelu = t.subList(30, 50).stream().filter(p -> p.get("act").equals("gelu")).count();
            assertTrue(gelu >= 12, s.getClass().getSimpleName() + ": gelu in " + gelu + " of the last 20 trials");
            double best = t.stream().mapToDouble(BayesianSearchTest::loss).min().orElseThrow();
            double bestRandom = Double.POSITIVE_INFINITY;
            var gen = Sampler.generator(3, 0);
            for (int i = 0; i < 50; i++) bestRandom = Math.min(bestRandom, loss(Sampler.random(mixedSpace(), gen)));
            assertTrue(best < bestRandom, s.getClass().getSimpleName() + ": best " + best + " vs random's " + bestRandom);
        }
    }

    /** Optuna's default_weights: 1s up to 25 observations, then a linear ramp from 1/n for the oldest. */
    @Test
    void tpeWeightsFollowOptuna() {
        double[] w = TpeSampler.weights(3); // three observations and the prior, all weight 1
        assertEquals(List.of(0.25, 0.25, 0.25, 0.25), List.of(w[0], w[1], w[2], w[3]));
        double[] r = TpeSampler.weights(30); // ramp of 5: linspace(1/30, 1, 5), then 25 ones, then the prior
        double sum = (1.0 / 30 + 1) / 2 * 5 + 25 + 1;
        assertEquals((1.0 / 30) / sum, r[0], 1e-12);
        assertEquals((1.0 / 30 + (1 - 1.0 / 30) * 2 / 4) / sum, r[2], 1e-12);
        assertEquals(1 / sum, r[4], 1e-12);
        assertEquals(1 / sum, r[29], 1e-12);
    }

    /** Bandwidths: the larger gap to a neighbour, the outermost observations using their inner gap only, clipped. */
    @Test
    void tpeBandwidthsFollowOptuna() {
        // range [0, 10], prior at 5, smallest bandwidth 10 / min(100, 1 + 4 centres) = 2
        TpeSampler.Parzen p = TpeSampler.Parzen.fit(new double[]{1, 4, 9}, 0, 10); // sorted 1, 4, 5, 9
        assertEquals(List.of(3.0, 3.0, 4.0, 10.0), List.of(p.sigma()[0], p.sigma()[1], p.sigma()[2], p.sigma()[3]));
        TpeSampler.Parzen q = TpeSampler.Parzen.fit(new double[]{3, 4, 9}, 0, 10); // sorted 3, 4, 5, 9
        // 3: its inner gap 1 (not the gap of 3 to the range's end), clipped to 2; 4: max(1, 1), clipped to 2
        assertEquals(List.of(2.0, 2.0, 4.0, 10.0), List.of(q.sigma()[0], q.sigma()[1], q.sigma()[2], q.sigma()[3]));
        TpeSampler.Parzen tight = TpeSampler.Parzen.fit(new double[]{5.0, 5.01}, 0, 10);
        assertEquals(10.0 / 4, tight.sigma()[0], 1e-12); // clipped to range / min(100, 1 + 3 centres)
    }
}
