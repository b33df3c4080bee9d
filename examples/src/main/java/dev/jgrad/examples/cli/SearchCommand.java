package dev.jgrad.examples.cli;

import dev.jgrad.examples.Main;
import dev.jgrad.examples.RunSettings;
import dev.jgrad.examples.Session;
import dev.jgrad.optim.search.HyperparameterSearch;
import dev.jgrad.optim.search.SearchSpace;
import dev.jgrad.optim.search.Trial;
import dev.jgrad.optim.train.TrainingResult;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.optim.search.Pruner;
import dev.jgrad.optim.train.EvalMetrics;
import dev.jgrad.optim.train.TrainerCallback;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./jgrad search}: grid, random, TPE or GP hyperparameter search, each trial a short run, with optional
 * pruning of unpromising trials; the study is saved trial by trial ({@code study.jsonl}) and resumable.
 */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = {"Hyperparameter search: short training runs over a declared space, ranked by validation loss.",
                "Example: ./jgrad search --data corpus.txt --steps 300 --param lr=loguniform:1e-4:3e-3 --param dim=64,128 --trials 8 --budget 10m",
                "Bayesian: ./jgrad search --strategy tpe --pruner asha --trials 30 --out runs/s1 ... (continue it later with --resume)"})
public final class SearchCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Mixin
    SettingsOptions options;

    @Option(names = "--param", required = true, paramLabel = "NAME=SPEC",
            description = "A searched setting: NAME=v1,v2,... | uniform:LO:HI | loguniform:LO:HI | int:LO:HI (names as in config.json or the train options, e.g. lr, weight-decay, dim).")
    List<String> params;
    @Option(names = "--strategy", defaultValue = "random",
            description = "grid, random, tpe (tree-structured Parzen estimator) or gp (Gaussian process, expected improvement) (default: ${DEFAULT-VALUE}).")
    String strategy;
    @Option(names = "--pruner", defaultValue = "none",
            description = "Stop unpromising trials at their evaluations: median, asha (successive halving from the first evaluation, factor 4) or none (default: ${DEFAULT-VALUE}).")
    String pruner;
    @Option(names = "--startup-trials", defaultValue = "10",
            description = "Random trials before tpe or gp start modelling (default: ${DEFAULT-VALUE}).")
    int startupTrials;
    @Option(names = "--resume", description = "Continue the search in --out DIR after the trials its study.jsonl holds.")
    boolean resume;
    @Option(names = "--trials", defaultValue = "8", description = "Trials to run (random, tpe, gp), or the most grid points to visit (default: ${DEFAULT-VALUE}).")
    int trials;
    @Option(names = "--grid-points", defaultValue = "3", description = "Values per continuous range in a grid (default: ${DEFAULT-VALUE}).")
    int gridPoints;
    @Option(names = "--budget", description = "Start no trial after this much time: e.g. 90s, 10m, 1h.")
    String budget;
    @Option(names = "--out", paramLabel = "DIR", description = "Search directory (default: runs/search-TIMESTAMP).")
    Path out;
    @Option(names = "--overwrite", description = "Replace the search directory at --out if there is one (its contents are deleted).")
    boolean overwrite;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RunSettings base = options.toSettings(main, System.out);
        if (resume && out == null) throw new IllegalArgumentException("--resume needs --out DIR, the search to continue");
        SearchSpace space = SearchSpace.parse(params);
        HyperparameterSearch.Strategy strat = parseStrategy(strategy);
        Pruner prune = parsePruner(pruner, base);
        Duration limit = budget == null ? null : parseDuration(budget);
        Session.checkBeforeWriting(base);
        try (Outputs.RunDirectory d = resume ? Outputs.RunDirectory.existing(out, System.err)
                : Outputs.RunDirectory.create(out != null ? out : Runs.newRunDir(main, "search"), overwrite, System.err,
                        Runs.inputs(base))) {
            Path dir = d.path();
            Path studyFile = dir.resolve("study.jsonl");
            HyperparameterSearch search = new HyperparameterSearch(space, strat, trials, gridPoints, base.seed(), limit)
                    .pruner(prune).startupTrials(startupTrials).studyFile(studyFile);
            checkStudy(dir, studyFile, base);
            int planned = search.plannedTrials();
            System.out.printf(Locale.ROOT, "search: %s over %d configurations in %s%n", strategy, planned, dir);
            List<Trial> done = search.run((index, params, reporter) -> {
                Path trialDir = dir.resolve(String.format(Locale.ROOT, "trial-%03d", index + 1));
                System.out.printf(Locale.ROOT, "trial %d/%d: %s%n", index + 1, planned, params);
                try {
                    RunSettings s = base.with(params);
                    s.save(trialDir);
                    Session session = new Session(s, trialDir, new PrintStream(OutputStream.nullOutputStream()));
                    session.addCallback(new TrainerCallback() {
                        @Override
                        public void onEvaluation(EvalMetrics e) {
                            try {
                                reporter.report(e.step(), e.loss());
                            } catch (HyperparameterSearch.TrialPruned p) {
                                System.out.printf(Locale.ROOT, "  -> pruned at step %d (validation loss %.4f)%n", e.step(), e.loss());
                                throw p;
                            }
                        }
                    });
                    session.prepareData(dir.resolve("data"));
                    session.buildModel();
                    TrainingResult r = session.train(false, false);
                    System.out.printf(Locale.ROOT, "  -> best validation loss %.4f after %d steps%s%n", r.bestValLoss(), r.steps(),
                            r.stoppedEarly() ? " (early stop)" : "");
                    return new Trial.Outcome(r.bestValLoss(), r.steps(), r.stoppedEarly() ? "early stop" : "completed");
                } catch (HyperparameterSearch.TrialPruned p) {
                    throw p;
                } catch (RuntimeException | java.io.IOException e) {
                    System.out.println("  -> failed: " + e.getMessage());
                    try {
                        Outputs.deleteRecursively(trialDir);   // its failure is recorded in results.csv
                    } catch (java.io.IOException ignored) {
                        // the failure being reported matters more than a leftover folder
                    }
                    throw e instanceof RuntimeException re ? re : new java.io.UncheckedIOException((java.io.IOException) e);
                }
            });
            System.out.println();
            System.out.print(HyperparameterSearch.table(done));
            if (done.stream().allMatch(t -> t.state() == Trial.State.FAILED))
                throw new IllegalStateException("every trial failed" + (done.isEmpty() ? "" : "; trial 1: "
                        + done.get(0).note().replaceFirst("^failed: ", "")));
            HyperparameterSearch.save(dir, done);
            System.out.println("results: " + dir.resolve("results.csv") + ", best configuration: " + dir.resolve("best.json")
                    + ", all trials: " + studyFile);
            HyperparameterSearch.ranked(done).stream().filter(t -> t.state() == Trial.State.COMPLETE).findFirst()
                    .ifPresent(best -> System.out.println("train the best configuration (trial " + (best.index() + 1) + "):\n  "
                            + trainCommand(spec.commandLine().getParseResult().originalArgs(), best.params(), dir.resolve("best-run"))));
            d.completed();
            return 0;
        }
    }

    /** The search's own options (with how many values each takes): dropped from the ready train command. */
    private static final Map<String, Integer> SEARCH_OPTIONS = Map.of("--param", 1, "--strategy", 1, "--pruner", 1,
            "--startup-trials", 1, "--trials", 1, "--grid-points", 1, "--budget", 1, "--out", 1, "--resume", 0);

    /** {@code ./jgrad train} with the search's data and model options, the best trial's values, and its own --out. */
    static String trainCommand(List<String> searchArgs, Map<String, Object> best, Path out) {
        List<String> words = new ArrayList<>(List.of("./jgrad", "train"));
        for (int i = 0; i < searchArgs.size(); i++) {
            String a = searchArgs.get(i), name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            Integer skip = SEARCH_OPTIONS.get(name);
            if (skip != null) {
                if (!a.contains("=")) i += skip;
                continue;
            }
            String key = name.startsWith("--") ? name.substring(2) : null;
            if (key != null && best.containsKey(kebab(key))) {                  // the search's value wins
                if (!a.contains("=") && i + 1 < searchArgs.size() && !searchArgs.get(i + 1).startsWith("--")) i++;
                continue;
            }
            words.add(a);
        }
        best.forEach((k, v) -> {
            words.add("--" + kebab(k));
            words.add(v instanceof Double d ? String.format(Locale.ROOT, "%.6g", d) : String.valueOf(v));
        });
        words.add("--out");
        words.add(out.toString());
        List<String> quoted = new ArrayList<>();
        for (String w : words) quoted.add(w.matches("[A-Za-z0-9_./:=,+-]+") ? w : "'" + w.replace("'", "'\\''") + "'");
        return String.join(" ", quoted);
    }

    /** weightDecay and weight_decay become weight-decay, the option's name. */
    static String kebab(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").replace('_', '-').toLowerCase(Locale.ROOT);
    }

    static HyperparameterSearch.Strategy parseStrategy(String s) {
        try {
            return HyperparameterSearch.Strategy.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--strategy must be grid, random, tpe or gp, got " + s);
        }
    }

    /** none, median (Optuna's defaults: 5 completed trials first) or asha (rungs from the first evaluation, factor 4). */
    static Pruner parsePruner(String s, RunSettings base) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "none" -> new Pruner.None();
            case "median" -> new Pruner.Median(5, 0);
            case "asha" -> new Pruner.SuccessiveHalving(Math.max(1, base.evalInterval()), 4);
            default -> throw new IllegalArgumentException("--pruner must be median, asha or none, got " + s);
        };
    }

    /**
     * A new search must not mix its trials into an old study; a resumed one needs its study, and the same
     * strategy, seed and space (recorded in search.json when the search started).
     */
    private void checkStudy(Path dir, Path studyFile, RunSettings base) throws java.io.IOException {
        Map<String, Object> identity = new LinkedHashMap<>();
        identity.put("strategy", strategy.trim().toLowerCase(Locale.ROOT));
        identity.put("seed", base.seed());
        identity.put("params", params);
        Path idFile = dir.resolve("search.json");
        ObjectMapper json = new ObjectMapper();
        if (!resume) {
            if (Files.exists(studyFile))
                throw new IllegalArgumentException(dir + " already holds a search (study.jsonl): continue it with --resume, or choose another --out");
            Files.createDirectories(dir);
            json.writeValue(idFile.toFile(), identity);
            return;
        }
        if (!Files.exists(studyFile) || !Files.exists(idFile))
            throw new IllegalArgumentException("--resume: " + dir + " holds no search (study.jsonl and search.json)");
        Map<?, ?> saved = json.readValue(idFile.toFile(), Map.class);
        for (var e : identity.entrySet()) {
            Object was = saved.get(e.getKey());
            if (!String.valueOf(was).equals(String.valueOf(e.getValue())))
                throw new IllegalArgumentException("--resume: the search in " + dir + " ran with " + e.getKey() + " " + was
                        + ", not " + e.getValue());
        }
    }

    static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            if (t.endsWith("s")) return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            if (t.endsWith("m")) return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            if (t.endsWith("h")) return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException("--budget must look like 90s, 10m or 1h, got " + s);
    }
}
