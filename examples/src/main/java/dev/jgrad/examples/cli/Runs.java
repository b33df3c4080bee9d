package dev.jgrad.examples.cli;

import dev.jgrad.examples.Session;
import dev.jgrad.optim.train.TrainingResult;
import dev.jgrad.transformer.data.LanguageModelData;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Small shared pieces of the training commands: run directories and reports. */
final class Runs {

    private Runs() {}

    /** {@code runs/NAME-yyyyMMdd-HHmmss}. */
    static Path newRunDir(String name) {
        return Path.of("runs", name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    /** True on an interactive terminal (a live progress bar); false in logs and CI (plain lines). */
    static boolean interactive() {
        return System.console() != null && System.console().isTerminal();
    }

    static void printDataReport(LanguageModelData.Report r, Session session, PrintStream out) {
        out.printf(Locale.ROOT, "data: %,d documents read; dedup removed %,d exact and %,d near duplicates%n",
                r.documentsRead(), r.dedup().exactDuplicatesRemoved(), r.dedup().nearDuplicatesRemoved());
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
