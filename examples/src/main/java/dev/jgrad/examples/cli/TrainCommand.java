package dev.jgrad.examples.cli;

import dev.jgrad.examples.Main;
import dev.jgrad.examples.Recipes;
import dev.jgrad.examples.RunSettings;
import dev.jgrad.examples.Session;
import dev.jgrad.examples.dashboard.DashboardServer;
import dev.jgrad.optim.train.TrainingResult;
import dev.jgrad.transformer.data.LanguageModelData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./jgrad train}: pretrain a language model on your text (or run a shipped recipe). A new run refuses an
 * existing non-empty {@code --out} unless {@code --overwrite}; a run that fails before its first checkpoint leaves
 * no directory behind.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a language model: prepare the data, train with evaluation and checkpoints, write a run directory.")
public final class TrainCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Mixin
    SettingsOptions options;

    @Option(names = "--recipe", paramLabel = "NAME",
            description = "A shipped recipe with its expected result (shakespeare-char); other training options are ignored"
                    + " except --data (the recipe's text kept elsewhere) and --steps (a shorter run, checked against nothing).")
    String recipe;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/train-TIMESTAMP).")
    Path out;

    @Option(names = "--overwrite", description = "Replace the run directory at --out if there is one (its contents are deleted).")
    boolean overwrite;

    @Option(names = "--resume", paramLabel = "RUN_DIR",
            description = "Continue the run in RUN_DIR (its own config.json) from its newest checkpoint; with --steps N,"
                    + " extend it to N steps in total (the cosine schedule is laid over the new total).")
    Path resume;

    @Option(names = "--checkpoint-every-steps", paramLabel = "N",
            description = "Write checkpoints/last every N steps (default: every --eval-interval; 0: not by steps).")
    Integer checkpointEverySteps;

    @Option(names = "--checkpoint-every-minutes", paramLabel = "M", defaultValue = "5",
            description = "Also write checkpoints/last when M minutes have passed since the last one (0: not by time)"
                    + " (default: ${DEFAULT-VALUE}).")
    double checkpointEveryMinutes;

    @Option(names = "--dashboard", arity = "0..1", fallbackValue = "8050", paramLabel = "PORT",
            description = "Serve a live web page of this run (and the runs beside it) on 127.0.0.1:PORT while it trains"
                    + " (default port 8050); ./jgrad dashboard shows finished runs.")
    Integer dashboard;

    @Override
    public Integer call() throws Exception {
        RunSettings settings;
        Outputs.RunDirectory dir;
        Recipes.Recipe r = null;
        Session.checkCheckpointEvery(checkpointEverySteps != null ? checkpointEverySteps : 0, checkpointEveryMinutes);
        if (resume != null) {
            settings = RunSettings.load(resume.resolve("config.json"));
            dir = Outputs.RunDirectory.existing(resume, System.err);
            if (spec.commandLine().getParseResult().hasMatchedOption("--steps")) settings = settings.withSteps(options.steps);
        } else {
            if (recipe != null) {
                r = Recipes.load(recipe);
                if (spec.commandLine().getParseResult().hasMatchedOption("--data")) r = r.withData(Runs.dataPath(main, options.data));
                r.requireData();
                settings = r.settings();
                if (spec.commandLine().getParseResult().hasMatchedOption("--steps")) {
                    settings = settings.withSteps(options.steps);
                    r = null; // the expected result is for the full recipe
                }
            } else {
                settings = options.toSettings(main, System.out);
            }
            Session.checkBeforeWriting(settings);
            dir = Outputs.RunDirectory.create(out != null ? out : Runs.newRunDir(main, recipe != null ? recipe : "train"),
                    overwrite, System.err, Runs.inputs(settings));
        }
        try (dir) {
            Path runDir = dir.path();
            if (resume == null) settings.save(runDir);
            System.out.println("run directory: " + runDir);
            Session session = new Session(settings, runDir, System.out)
                    .checkpointEvery(checkpointEverySteps != null ? checkpointEverySteps : settings.evalInterval(), checkpointEveryMinutes);
            DashboardServer board = dashboard == null ? null : DashboardServer.forTraining(runDir, dashboard);
            if (board != null) {
                session.addCallback(board.live());
                System.out.println("dashboard: " + board.url() + " (it stops with training; ./jgrad dashboard "
                        + runDir.toAbsolutePath().getParent() + " keeps showing the runs)");
            }
            LanguageModelData.Report report = session.prepareData(runDir.resolve("data"));
            Runs.printDataReport(report, session, System.out);
            session.buildModel();
            System.out.printf(Locale.ROOT, "model: %s, %,d parameters%n", session.modelConfig(), session.model().numParameters());
            TrainingResult result;
            try (board) {
                result = session.train(resume != null, Runs.interactive());
            }
            Runs.printResult(result, runDir, System.out);
            dir.completed();
            if (r != null) return Recipes.check(r, result, System.out) ? 0 : 1;
            return 0;
        }
    }
}
