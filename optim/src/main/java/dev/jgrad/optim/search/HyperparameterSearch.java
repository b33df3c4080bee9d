package dev.jgrad.optim.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jgrad.core.Generator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Grid and random search: trials run one after another, each a short training run that reports a validation
 * metric (lower is better), until the configurations or the time budget run out.
 *
 * <ul>
 *   <li><b>Grid</b> visits the Cartesian product of every dimension's grid values in order (continuous ranges
 *       contribute {@code gridPoints} values; log-uniform ones are log-spaced).</li>
 *   <li><b>Random</b> draws {@code trials} configurations from a seeded {@link Generator}: the same seed gives
 *       the same configurations. For learning rates a log-uniform range spends trials evenly across decades,
 *       which is why random search usually beats a grid with the same budget (Bergstra and Bengio, 2012).</li>
 * </ul>
 * A trial that throws is recorded as failed (metric NaN) and the search goes on.
 */
public final class HyperparameterSearch {

    public enum Strategy { GRID, RANDOM }

    private final SearchSpace space;
    private final Strategy strategy;
    private final int trials;
    private final int gridPoints;
    private final long seed;
    private final Duration budget;

    /**
     * @param trials     random trials to draw (RANDOM), or an upper bound on grid points visited (GRID)
     * @param gridPoints values per continuous dimension in a grid
     * @param budget     no new trial starts after this much time (null: no limit)
     */
    public HyperparameterSearch(SearchSpace space, Strategy strategy, int trials, int gridPoints, long seed, Duration budget) {
        if (space.dimensions().isEmpty()) throw new IllegalArgumentException("the search space is empty");
        if (trials < 1) throw new IllegalArgumentException("trials must be >= 1, got " + trials);
        if (gridPoints < 1) throw new IllegalArgumentException("gridPoints must be >= 1, got " + gridPoints);
        this.space = space;
        this.strategy = strategy;
        this.trials = trials;
        this.gridPoints = gridPoints;
        this.seed = seed;
        this.budget = budget;
    }

    /** The configurations this search would try, in order. */
    public List<Map<String, Object>> configurations() {
        List<Map<String, Object>> out = new ArrayList<>();
        if (strategy == Strategy.RANDOM) {
            Generator gen = new Generator(seed);
            for (int i = 0; i < trials; i++) {
                Map<String, Object> c = new LinkedHashMap<>();
                space.dimensions().forEach((name, d) -> c.put(name, d.sample(gen)));
                out.add(c);
            }
            return out;
        }
        List<String> names = new ArrayList<>(space.dimensions().keySet());
        List<List<Object>> values = new ArrayList<>();
        for (String n : names) values.add(space.dimensions().get(n).grid(gridPoints));
        int[] idx = new int[names.size()];
        while (out.size() < trials) {
            Map<String, Object> c = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) c.put(names.get(i), values.get(i).get(idx[i]));
            out.add(c);
            int d = names.size() - 1; // odometer: the last dimension varies fastest
            while (d >= 0 && ++idx[d] == values.get(d).size()) idx[d--] = 0;
            if (d < 0) break;
        }
        return out;
    }

    /** Trains with one configuration and reports the outcome. */
    @FunctionalInterface
    public interface TrialFunction {
        Trial.Outcome run(int index, Map<String, Object> params);
    }

    /** Runs the trials in order; {@code trial} trains with a configuration and reports its outcome. */
    public List<Trial> run(TrialFunction trial) {
        long start = System.nanoTime();
        List<Trial> done = new ArrayList<>();
        List<Map<String, Object>> configs = configurations();
        for (int i = 0; i < configs.size(); i++) {
            if (budget != null && System.nanoTime() - start >= budget.toNanos()) break;
            long t0 = System.nanoTime();
            Map<String, Object> params = configs.get(i);
            Trial t;
            try {
                Trial.Outcome o = trial.run(i, params);
                t = new Trial(i, params, o.metric(), o.steps(), (System.nanoTime() - t0) / 1e9, o.note());
            } catch (RuntimeException e) {
                t = new Trial(i, params, Double.NaN, 0, (System.nanoTime() - t0) / 1e9, "failed: " + e.getMessage());
            }
            done.add(t);
        }
        return done;
    }

    /** Trials sorted best first (failed trials last). */
    public static List<Trial> ranked(List<Trial> trials) {
        List<Trial> out = new ArrayList<>(trials);
        out.sort(Comparator.comparingDouble((Trial t) -> Double.isNaN(t.metric()) ? Double.POSITIVE_INFINITY : t.metric())
                .thenComparingInt(Trial::index));
        return out;
    }

    /** A text table of the ranked trials; trials are numbered from 1, as the search prints them while it runs. */
    public static String table(List<Trial> trials) {
        List<Trial> r = ranked(trials);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-5s %-6s %-12s %-7s %-8s %s%n", "rank", "trial", "val_loss", "steps", "seconds", "hyperparameters / note"));
        for (int i = 0; i < r.size(); i++) {
            Trial t = r.get(i);
            sb.append(String.format(Locale.ROOT, "%-5d %-6d %-12s %-7d %-8.1f %s  %s%n", i + 1, t.index() + 1,
                    Double.isNaN(t.metric()) ? "failed" : String.format(Locale.ROOT, "%.5f", t.metric()), t.steps(),
                    t.seconds(), format(t.params()), t.note()));
        }
        return sb.toString();
    }

    static String format(Map<String, Object> params) {
        List<String> parts = new ArrayList<>();
        params.forEach((k, v) -> parts.add(k + "=" + (v instanceof Double d ? String.format(Locale.ROOT, "%.4g", d) : v)));
        return String.join(" ", parts);
    }

    /**
     * Writes {@code results.csv} and {@code best.json} (the best configuration and its metric; none when every trial
     * failed) into {@code dir}; trials are numbered from 1.
     */
    public static void save(Path dir, List<Trial> trials) throws IOException {
        Files.createDirectories(dir);
        List<Trial> r = ranked(trials);
        StringBuilder csv = new StringBuilder("rank,trial,metric,steps,seconds,params,note\n");
        for (int i = 0; i < r.size(); i++) {
            Trial t = r.get(i);
            csv.append(String.format(Locale.ROOT, "%d,%d,%s,%d,%.2f,\"%s\",\"%s\"%n", i + 1, t.index() + 1,
                    Double.isNaN(t.metric()) ? "" : Double.toString(t.metric()), t.steps(), t.seconds(), format(t.params()),
                    t.note().replace("\"", "'")));
        }
        writeAtomically(dir.resolve("results.csv"), csv.toString());
        if (!r.isEmpty() && !Double.isNaN(r.get(0).metric())) {
            Map<String, Object> best = new LinkedHashMap<>();
            best.put("metric", r.get(0).metric());
            best.put("trial", r.get(0).index() + 1);
            best.put("params", r.get(0).params());
            writeAtomically(dir.resolve("best.json"),
                    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(best));
        }
    }

    private static void writeAtomically(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
