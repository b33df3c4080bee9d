package dev.jgrad.examples.cli;

import dev.jgrad.examples.Main;
import dev.jgrad.examples.Session;
import dev.jgrad.optim.train.TrainingResult;
import dev.jgrad.transformer.data.LanguageModelData;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Small shared pieces of the commands: default run directories and user paths in the working directory, a training
 * run's directory taken as a checkpoint, and the reports.
 */
final class Runs {

    private Runs() {}

    /** {@code runs/NAME-yyyyMMdd-HHmmss} in the working directory. */
    static Path newRunDir(Main main, String name) {
        return main.resolve("runs").resolve(name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    /** A {@code --data} value with a path resolved against the working directory ({@code embedded:NAME} as is; null stays null). */
    static String dataPath(Main main, String data) {
        return data == null || data.isBlank() || data.startsWith("embedded:") ? data : main.resolve(data).toString();
    }

    /** A {@code --tokenizer} value with a file resolved against the working directory ({@code char}, {@code bpe:N} as is). */
    static String tokenizerPath(Main main, String tokenizer) {
        return tokenizer.equals("char") || tokenizer.startsWith("bpe:") ? tokenizer : main.resolve(tokenizer).toString();
    }

    /** The files a run reads (its data, a tokenizer file), which its run directory may not hold. */
    static Path[] inputs(dev.jgrad.examples.RunSettings s) {
        return new Path[] {s.data().startsWith("embedded:") ? null : Path.of(s.data()),
                s.tokenizer().equals("char") || s.tokenizer().startsWith("bpe:") ? null : Path.of(s.tokenizer())};
    }

    /**
     * The checkpoint to load for {@code path}: a training run's directory (it holds {@code config.json} and
     * {@code checkpoints/}) means its best checkpoint, else its last; anything else is itself.
     */
    static Path checkpoint(Path path, PrintStream out) {
        Path checkpoints = path.resolve("checkpoints");
        if (!Files.isRegularFile(path.resolve("config.json")) || !Files.isDirectory(checkpoints)) return path;
        for (String name : new String[] {"best", "last"}) {
            if (Files.isDirectory(checkpoints.resolve(name))) {
                out.println("using the run's " + name + " checkpoint, " + checkpoints.resolve(name));
                return checkpoints.resolve(name);
            }
        }
        throw new IllegalArgumentException(path + " is a training run without a checkpoint yet (no checkpoints/best or"
                + " checkpoints/last)");
    }

    /** True on an interactive terminal (a live progress bar); false in logs and CI (plain lines). */
    static boolean interactive() {
        return System.console() != null && System.console().isTerminal();
    }

    static void printDataReport(LanguageModelData.Report r, Session session, PrintStream out) {
        out.printf(Locale.ROOT, "data: %,d documents read; dedup removed %,d exact and %,d near duplicates%n",
                r.documentsRead(), r.dedup().exactDuplicatesRemoved(), r.dedup().nearDuplicatesRemoved());
        if (session.splitByPosition())
            out.println("      split by position in the token stream (head-tail)");
        else
            out.printf(Locale.ROOT, "      split by document: %,d train / %,d validation / %,d test%n",
                    r.trainDocuments(), r.validationDocuments(), r.testDocuments());
        out.printf(Locale.ROOT, "      tokenizer: %s, vocabulary %,d; tokens: %,d train / %,d validation (token cache %s)%n",
                session.tokenizer().getClass().getSimpleName(), session.tokenizer().vocabSize(), session.trainTokens(),
                session.validationTokens(), r.cacheStatus().name().toLowerCase(Locale.ROOT));
    }

    static void printResult(TrainingResult r, Path runDir, PrintStream out) {
        out.printf(Locale.ROOT, "finished after %d steps%s in %.1f s: final train loss %.4f", r.steps(),
                r.stoppedEarly() ? " (early stop)" : "", r.seconds(), r.finalLoss());
        if (!Double.isNaN(r.bestValLoss()))
            out.printf(Locale.ROOT, ", best validation loss %.4f (perplexity %.2f) at step %d", r.bestValLoss(),
                    r.bestValPerplexity(), r.bestStep());
        out.println();
        out.println("run directory: " + runDir.toAbsolutePath() + " (config.json, metrics.csv, metrics.jsonl, loss.png,"
                + " samples.txt, checkpoints/best, checkpoints/last)");
    }
}
