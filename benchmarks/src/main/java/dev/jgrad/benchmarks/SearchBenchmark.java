package dev.jgrad.benchmarks;

import dev.jgrad.optim.search.HyperparameterSearch.Strategy;
import dev.jgrad.optim.search.Objectives;

import java.util.List;
import java.util.Locale;

/**
 * Random search against TPE and GP on Branin and Hartmann-6: for each function and regret target, the median
 * (over seeds) number of evaluations until f(x) - f* ≤ regret, and each model-based strategy's median as a
 * fraction of random search's. All strategies start with 10 random trials; random search may run 5000
 * evaluations, TPE and GP 200 (a run that does not reach the target counts as one more than its cap, and a
 * median beyond the cap is printed as such).
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar dev.jgrad.benchmarks.SearchBenchmark [SEEDS]}
 * (default 20 seeds, 0..19; a few minutes on 2 cores).
 */
public final class SearchBenchmark {

    private SearchBenchmark() {}

    record Target(Objectives.Objective objective, double regret) {}

    public static void main(String[] args) {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        List<Target> targets = List.of(new Target(Objectives.branin(), 1.0), new Target(Objectives.branin(), 0.1),
                new Target(Objectives.hartmann6(), 1.0), new Target(Objectives.hartmann6(), 0.5),
                new Target(Objectives.hartmann6(), 0.1));
        System.out.printf(Locale.ROOT, "median evaluations to reach the regret, over %d seeds%n", seeds);
        System.out.printf(Locale.ROOT, "%-10s %-7s %8s %8s %8s %10s %10s%n", "function", "regret", "random", "tpe", "gp",
                "tpe/random", "gp/random");
        for (Target t : targets) {
            double random = median(Strategy.RANDOM, t, seeds, RANDOM_CAP);
            double tpe = median(Strategy.TPE, t, seeds, MODEL_CAP);
            double gp = median(Strategy.GP, t, seeds, MODEL_CAP);
            System.out.printf(Locale.ROOT, "%-10s %-7s %8s %8s %8s %10s %10s%n", t.objective().name(), t.regret(),
                    cell(random, RANDOM_CAP), cell(tpe, MODEL_CAP), cell(gp, MODEL_CAP), ratio(tpe, random, MODEL_CAP),
                    ratio(gp, random, MODEL_CAP));
        }
        System.out.println("(>N: the median run did not reach the regret within N evaluations)");
    }

    static final int RANDOM_CAP = 5000, MODEL_CAP = 200;

    private static String cell(double median, int cap) {
        return median > cap ? ">" + cap : String.format(Locale.ROOT, "%.1f", median);
    }

    /** The ratio, or an upper bound when random search did not get there, or "-" when the model did not either. */
    private static String ratio(double model, double random, int modelCap) {
        if (model > modelCap) return "-";
        if (random > RANDOM_CAP) return String.format(Locale.ROOT, "<%.2f", model / RANDOM_CAP);
        return String.format(Locale.ROOT, "%.2f", model / random);
    }

    private static double median(Strategy s, Target t, int seeds, int cap) {
        int[] n = new int[seeds];
        for (int seed = 0; seed < seeds; seed++)
            n[seed] = Objectives.evaluationsToRegret(s, t.objective(), seed, t.regret(), cap, 10);
        return Objectives.median(n);
    }
}
