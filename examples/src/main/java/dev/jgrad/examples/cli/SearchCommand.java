package dev.jgrad.examples.cli;

import dev.jgrad.examples.Main;
import dev.jgrad.examples.RunSettings;
import dev.jgrad.examples.Session;
import dev.jgrad.optim.search.HyperparameterSearch;
import dev.jgrad.optim.search.SearchSpace;
import dev.jgrad.optim.search.Trial;
import dev.jgrad.optim.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ./jgrad search}: grid or random hyperparameter search, each trial a short run with early stopping. */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = {"Hyperparameter search: short training runs over a declared space, ranked by validation loss.",
                "Example: ./jgrad search --data corpus.txt --steps 300 --param lr=loguniform:1e-4:3e-3 --param dim=64,128 --trials 8 --budget 10m"})
public final class SearchCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Mixin
    SettingsOptions options;

    @Option(names = "--param", required = true, paramLabel = "NAME=SPEC",
            description = "A searched setting: NAME=v1,v2,... | uniform:LO:HI | loguniform:LO:HI | int:LO:HI (names as in config.json or the train options, e.g. lr, weight-decay, dim).")
    List<String> params;
    @Option(names = "--strategy", defaultValue = "random", description = "grid or random (default: ${DEFAULT-VALUE}).")
    String strategy;
    @Option(names = "--trials", defaultValue = "8", description = "Random trials, or the most grid points to visit (default: ${DEFAULT-VALUE}).")
    int trials;
    @Option(names = "--grid-points", defaultValue = "3", description = "Values per continuous range in a grid (default: ${DEFAULT-VALUE}).")
    int gridPoints;
    @Option(names = "--budget", description = "Start no trial after this much time: e.g. 90s, 10m, 1h.")
    String budget;
    @Option(names = "--out", paramLabel = "DIR", description = "Search directory (default: runs/search-TIMESTAMP).")
    Path out;
    @Option(names = "--overwrite", description = "Replace the search directory at --out if there is one (its contents are deleted).")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        RunSettings base = options.toSettings(main, System.out);
        SearchSpace space = SearchSpace.parse(params);
        HyperparameterSearch search = new HyperparameterSearch(space,
                HyperparameterSearch.Strategy.valueOf(strategy.toUpperCase(Locale.ROOT)), trials, gridPoints, base.seed(),
                budget == null ? null : parseDuration(budget));
        int planned = search.configurations().size();
        Session.checkBeforeWriting(base);
        try (Outputs.RunDirectory d = Outputs.RunDirectory.create(out != null ? out : Runs.newRunDir(main, "search"), overwrite,
                System.err, Runs.inputs(base))) {
            Path dir = d.path();
            System.out.printf(Locale.ROOT, "search: %s over %d configurations in %s%n", strategy, planned, dir);
            List<Trial> done = search.run((index, params) -> {
                Path trialDir = dir.resolve(String.format(Locale.ROOT, "trial-%03d", index + 1));
                System.out.printf(Locale.ROOT, "trial %d/%d: %s%n", index + 1, planned, params);
                try {
                    RunSettings s = base.with(params);
                    s.save(trialDir);
                    Session session = new Session(s, trialDir, new PrintStream(OutputStream.nullOutputStream()));
                    session.prepareData(dir.resolve("data"));
                    session.buildModel();
                    TrainingResult r = session.train(false, false);
                    System.out.printf(Locale.ROOT, "  -> best validation loss %.4f after %d steps%s%n", r.bestValLoss(), r.steps(),
                            r.stoppedEarly() ? " (early stop)" : "");
                    return new Trial.Outcome(r.bestValLoss(), r.steps(), r.stoppedEarly() ? "early stop" : "completed");
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
            if (done.stream().allMatch(t -> Double.isNaN(t.metric())))
                throw new IllegalStateException("every trial failed" + (done.isEmpty() ? "" : "; trial 1: "
                        + done.get(0).note().replaceFirst("^failed: ", "")));
            HyperparameterSearch.save(dir, done);
            System.out.println("results: " + dir.resolve("results.csv") + ", best configuration: " + dir.resolve("best.json"));
            d.completed();
            return 0;
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
