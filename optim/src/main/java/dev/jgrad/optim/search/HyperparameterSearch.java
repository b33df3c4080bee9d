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
import java.util.TreeMap;

/**
 * Hyperparameter search: trials run one after another, each a short training run that reports a validation
 * metric (lower is better), until the trials or the time budget run out.
 *
 * <ul>
 *   <li><b>Grid</b> visits the Cartesian product of every dimension's grid values in order (continuous ranges
 *       contribute {@code gridPoints} values; log-uniform ones are log-spaced).</li>
 *   <li><b>Random</b> draws {@code trials} configurations from a seeded {@link Generator}: the same seed gives
 *       the same configurations. For learning rates a log-uniform range spends trials evenly across decades,
 *       which is why random search usually beats a grid with the same budget (Bergstra and Bengio, 2012).</li>
 *   <li><b>TPE</b> ({@link TpeSampler}) and <b>GP</b> ({@link GpSampler}) choose each configuration from the
 *       results so far (Bayesian optimisation), after {@code startupTrials} random ones.</li>
 * </ul>
 * While it trains, a trial reports its validation loss through a {@link Reporter}; a {@link Pruner} may stop it
 * there (the report throws {@link TrialPruned}), and it is recorded as pruned. A trial that throws anything else
 * is recorded as failed (metric NaN) and the search goes on. With a {@link #studyFile study file} every finished
 * trial is appended to it, and a search started on an existing study file resumes after its last trial:
 * samplers depend only on the seed, the trial number and the trials before, so the resumed search continues
 * exactly as the uninterrupted one would have.
 */
public final class HyperparameterSearch {

    public enum Strategy { GRID, RANDOM, TPE, GP }

    private final SearchSpace space;
    private final Strategy strategy;
    private final int trials;
    private final int gridPoints;
    private final long seed;
    private final Duration budget;
    private Pruner pruner = new Pruner.None();
    private int startupTrials = 10;
    private Path studyFile;

    /**
     * @param trials     trials to run (GRID: an upper bound on grid points visited)
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

    /** Stops unpromising trials from their intermediate reports (default: never). */
    public HyperparameterSearch pruner(Pruner pruner) {
        this.pruner = pruner;
        return this;
    }

    /** Random trials before TPE or GP start modelling (default 10, Optuna's). */
    public HyperparameterSearch startupTrials(int n) {
        if (n < 0) throw new IllegalArgumentException("startup trials must be >= 0, got " + n);
        this.startupTrials = n;
        return this;
    }

    /** Records trials in {@code file} ({@link Study}) and resumes after the trials it already holds. */
    public HyperparameterSearch studyFile(Path file) {
        this.studyFile = file;
        return this;
    }

    /** How many trials the search runs in all (fewer for a grid smaller than {@code trials}). */
    public int plannedTrials() {
        return strategy == Strategy.GRID || strategy == Strategy.RANDOM ? configurations().size() : trials;
    }

    /** The configurations a grid or random search tries, in order (TPE and GP choose theirs as they go). */
    public List<Map<String, Object>> configurations() {
        List<Map<String, Object>> out = new ArrayList<>();
        if (strategy == Strategy.TPE || strategy == Strategy.GP)
            throw new IllegalStateException(strategy + " chooses each configuration from the results before it");
        if (strategy == Strategy.RANDOM) {
            Generator gen = new Generator(seed);
            for (int i = 0; i < trials; i++) out.add(Sampler.random(space, gen));
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

    /** Where a running trial reports its validation metric. */
    @FunctionalInterface
    public interface Reporter {
        /** Records {@code value} at {@code step}; throws {@link TrialPruned} when the pruner stops the trial. */
        void report(int step, double value);
    }

    /** Thrown by {@link Reporter#report} to stop a trial the pruner judged unpromising. */
    public static final class TrialPruned extends RuntimeException {
        private final int step;

        TrialPruned(int step) {
            super("pruned at step " + step, null, false, false);
            this.step = step;
        }

        public int step() {
            return step;
        }
    }

    /** Trains with one configuration, reporting validation metrics as it goes, and reports the outcome. */
    @FunctionalInterface
    public interface TrialFunction {
        Trial.Outcome run(int index, Map<String, Object> params, Reporter reporter);
    }

    /** Runs the trials in order (after those already in the study file) and returns them all. */
    public List<Trial> run(TrialFunction trial) {
        long start = System.nanoTime();
        List<Trial> done = new ArrayList<>(studyFile != null && Files.exists(studyFile) ? Study.load(studyFile) : List.of());
        int planned = plannedTrials();
        List<Map<String, Object>> configs = strategy == Strategy.GRID || strategy == Strategy.RANDOM ? configurations() : null;
        Sampler sampler = switch (strategy) {
            case TPE -> new TpeSampler(seed, startupTrials);
            case GP -> new GpSampler(seed, startupTrials);
            default -> null;
        };
        for (int i = done.size(); i < planned; i++) {
            if (budget != null && System.nanoTime() - start >= budget.toNanos()) break;
            long t0 = System.nanoTime();
            Map<String, Object> params = sampler == null ? configs.get(i) : sampler.sample(space, done, i);
            TreeMap<Integer, Double> reports = new TreeMap<>();
            List<Trial> before = List.copyOf(done);
            Reporter reporter = (step, value) -> {
                reports.put(step, value);
                if (pruner.shouldPrune(reports, before)) throw new TrialPruned(step);
            };
            Trial t;
            try {
                Trial.Outcome o = trial.run(i, params, reporter);
                t = new Trial(i, params, o.metric(), o.steps(), seconds(t0), o.note(),
                        Double.isNaN(o.metric()) ? Trial.State.FAILED : Trial.State.COMPLETE, reports);
            } catch (TrialPruned p) {
                t = new Trial(i, params, reports.get(p.step()), p.step(), seconds(t0), p.getMessage(), Trial.State.PRUNED, reports);
            } catch (RuntimeException e) {
                t = new Trial(i, params, Double.NaN, 0, seconds(t0), "failed: " + e.getMessage(), Trial.State.FAILED, reports);
            }
            done.add(t);
            if (studyFile != null) Study.append(studyFile, t);
        }
        return done;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * Trials sorted best first: complete ones by metric, then pruned ones (those that got further first, then by
     * the metric they last reported: Optuna's order for TPE), then failed ones.
     */
    public static List<Trial> ranked(List<Trial> trials) {
        List<Trial> out = new ArrayList<>(trials);
        out.sort(Comparator.comparingInt((Trial t) -> t.state().ordinal())
                .thenComparingInt(t -> t.state() == Trial.State.PRUNED ? -t.steps() : 0)
                .thenComparingDouble(t -> Double.isNaN(t.metric()) ? Double.POSITIVE_INFINITY : t.metric())
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
        if (!r.isEmpty() && r.get(0).state() == Trial.State.COMPLETE) {
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
