package dev.jgrad.benchmarks;

import dev.jgrad.optim.search.HyperparameterSearch.Strategy;
import dev.jgrad.optim.search.Objectives;

import java.util.List;
import java.util.Locale;

/**
 * Random search against TPE and GP on Branin and Hartmann-6: for each function and regret target, the median
 * (over seeds) number of evaluations until f(x) - f* ≤ regret, and each model-based strategy's median as a
 * fraction of random search's. All strategies start with 10 random trials; random search may run 5000
 * evaluations, TPE and GP 200 (a run that does not reach the target counts as one more than its cap).
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
            double random = median(Strategy.RANDOM, t, seeds, 5000);
            double tpe = median(Strategy.TPE, t, seeds, 200);
            double gp = median(Strategy.GP, t, seeds, 200);
            System.out.printf(Locale.ROOT, "%-10s %-7s %8.1f %8.1f %8.1f %10.2f %10.2f%n", t.objective().name(), t.regret(),
                    random, tpe, gp, tpe / random, gp / random);
        }
    }

    private static double median(Strategy s, Target t, int seeds, int cap) {
        int[] n = new int[seeds];
        for (int seed = 0; seed < seeds; seed++) n[seed] = Objectives.evaluationsToRegret(s, t.objective(), seed, t.regret(), cap, 10);
        return Objectives.median(n);
    }
}
