package dev.jgrad.examples.cli;

import dev.jgrad.examples.Recipes;
import dev.jgrad.examples.RunSettings;
import dev.jgrad.examples.Session;
import dev.jgrad.optim.train.TrainingResult;
import dev.jgrad.transformer.data.LanguageModelData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ./jgrad train}: pretrain a language model on your text (or run a shipped recipe). */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a language model: prepare the data, train with evaluation and checkpoints, write a run directory.")
public final class TrainCommand implements Callable<Integer> {

    @Mixin
    SettingsOptions options;

    @Option(names = "--recipe", paramLabel = "NAME",
            description = "A shipped recipe with its expected result (shakespeare-char); other training options are ignored"
                    + " except --steps (a shorter run, checked against nothing).")
    String recipe;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/train-TIMESTAMP).")
    Path out;

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

    @Override
    public Integer call() throws Exception {
        RunSettings settings;
        Path runDir;
        Recipes.Recipe r = null;
        Session.checkCheckpointEvery(checkpointEverySteps != null ? checkpointEverySteps : 0, checkpointEveryMinutes);
        if (resume != null) {
            runDir = resume;
            settings = RunSettings.load(resume.resolve("config.json"));
            if (spec.commandLine().getParseResult().hasMatchedOption("--steps")) settings = settings.withSteps(options.steps);
        } else {
            if (recipe != null) {
                r = Recipes.load(recipe);
                settings = r.settings();
                if (spec.commandLine().getParseResult().hasMatchedOption("--steps")) {
                    settings = settings.withSteps(options.steps);
                    r = null; // the expected result is for the full recipe
                }
            } else {
                settings = options.toSettings();
            }
            runDir = out != null ? out : Runs.newRunDir(recipe != null ? recipe : "train");
            settings.save(runDir);
        }
        System.out.println("run directory: " + runDir.toAbsolutePath());
        Session session = new Session(settings, runDir, System.out)
                .checkpointEvery(checkpointEverySteps != null ? checkpointEverySteps : settings.evalInterval(), checkpointEveryMinutes);
        LanguageModelData.Report report = session.prepareData(runDir.resolve("data"));
        Runs.printDataReport(report, session, System.out);
        session.buildModel();
        System.out.printf(Locale.ROOT, "model: %s, %,d parameters%n", session.modelConfig(), session.model().numParameters());
        TrainingResult result = session.train(resume != null, Runs.interactive());
        Runs.printResult(result, runDir, System.out);
        if (r != null) return Recipes.check(r, result, System.out) ? 0 : 1;
        return 0;
    }
}
