package dev.jgrad.optim.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Test functions with known minima, the standard yardsticks of Bayesian optimisation, and the measure the
 * search benchmark reports: how many evaluations a strategy needs to come within a given regret
 * (f(x) - f(x*)) of the optimum.
 *
 * <ul>
 *   <li><b>Branin</b> (Branin-Hoo) on [-5, 10] × [0, 15]: three global minima, f* = 0.397887.</li>
 *   <li><b>Hartmann-6</b> on [0, 1]⁶: six local minima, f* = -3.32237 at
 *       (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573).</li>
 * </ul>
 * (Constants and optima as tabulated in Surjanovic and Bingham's Virtual Library of Simulation Experiments.)
 */
public final class Objectives {

    /** A function to minimise over a search space, with its known minimum. */
    public record Objective(String name, SearchSpace space, ToDoubleFunction<Map<String, Object>> f, double minimum) {}

    private Objectives() {}

    public static Objective branin() {
        SearchSpace s = new SearchSpace().add("x1", new SearchSpace.Uniform(-5, 10)).add("x2", new SearchSpace.Uniform(0, 15));
        return new Objective("branin", s, p -> branin((double) p.get("x1"), (double) p.get("x2")), 0.397887);
    }

    public static double branin(double x1, double x2) {
        double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
        double u = x2 - b * x1 * x1 + c * x1 - 6;
        return u * u + 10 * (1 - t) * Math.cos(x1) + 10;
    }

    private static final double[] ALPHA = {1.0, 1.2, 3.0, 3.2};
    private static final double[][] A = {
            {10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14}, {3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}};
    private static final double[][] P = {
            {0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886}, {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
            {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650}, {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};

    public static Objective hartmann6() {
        SearchSpace s = new SearchSpace();
        for (int j = 1; j <= 6; j++) s.add("x" + j, new SearchSpace.Uniform(0, 1));
        return new Objective("hartmann6", s, p -> {
            double[] x = new double[6];
            for (int j = 0; j < 6; j++) x[j] = (double) p.get("x" + (j + 1));
            return hartmann6(x);
        }, -3.32237);
    }

    public static double hartmann6(double[] x) {
        double f = 0;
        for (int i = 0; i < 4; i++) {
            double e = 0;
            for (int j = 0; j < 6; j++) e += A[i][j] * (x[j] - P[i][j]) * (x[j] - P[i][j]);
            f -= ALPHA[i] * Math.exp(-e);
        }
        return f;
    }

    /**
     * Evaluations {@code strategy} (RANDOM, TPE or GP) needs until f(x) - f* ≤ {@code regret}, or
     * {@code maxEvaluations + 1} if it does not get there within {@code maxEvaluations}. Random search draws
     * each trial from its own per-trial generator, as the model-based samplers do for their startup trials.
     */
    public static int evaluationsToRegret(HyperparameterSearch.Strategy strategy, Objective o, long seed, double regret,
                                          int maxEvaluations, int startupTrials) {
        Sampler sampler = switch (strategy) {
            case TPE -> new TpeSampler(seed, startupTrials);
            case GP -> new GpSampler(seed, startupTrials);
            case RANDOM -> null;
            case GRID -> throw new IllegalArgumentException("grid search has no seed to compare over");
        };
        List<Trial> history = new ArrayList<>();
        for (int i = 0; i < maxEvaluations; i++) {
            Map<String, Object> params = sampler == null ? Sampler.random(o.space(), Sampler.generator(seed, i))
                    : sampler.sample(o.space(), history, i);
            double v = o.f().applyAsDouble(params);
            if (v - o.minimum() <= regret) return i + 1;
            history.add(new Trial(i, params, v, 1, 0, "completed"));
        }
        return maxEvaluations + 1;
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    public static double median(int[] values) {
        int[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }
}
