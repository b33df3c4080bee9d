package dev.jgrad.examples.cli;

import dev.jgrad.examples.Main;
import dev.jgrad.examples.RunSettings;
import dev.jgrad.examples.Session;
import dev.jgrad.optim.train.TrainingResult;
import dev.jgrad.transformer.data.LanguageModelData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./jgrad demo}: the first thing to run. With no arguments and no network it prepares the embedded King
 * James Bible (clean, deduplicate, split by chapter), trains a byte-level BPE tokenizer on it, pretrains a small
 * LLaMA-style model for a few minutes on the CPU with live progress, and prints samples and the validation
 * perplexity; then fine-tunes it with QLoRA (NF4 base, LoRA adapters) on the embedded fortune cookies and reports
 * what that did to both domains and to memory ({@link dev.jgrad.examples.QloraDemoStage}); everything lands in a run
 * directory with plots. With {@code --sft} the second stage is instruction tuning instead: the pretrained model is
 * taught, with LoRA, to name the book of a verse ({@link dev.jgrad.examples.SftDemoStage}), and exact match on
 * held-out verses is printed before and after.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Pretrain a small LLaMA-style model on the embedded King James Bible, then QLoRA-fine-tune it on"
                + " fortune cookies (about ten minutes on 2 cores; --quick: under a minute).")
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "A smaller model and fewer steps: under a minute.")
    boolean quick;

    @Option(names = "--sft", description = "Second stage: instruction-tune the model to name the book of a verse (LoRA),"
            + " instead of QLoRA on fortune cookies.")
    boolean sft;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/demo-TIMESTAMP).")
    Path out;

    @Option(names = "--overwrite", description = "Replace the run directory at --out if there is one (its contents are deleted).")
    boolean overwrite;

    @ParentCommand
    Main main;

    @Option(names = "--seed", defaultValue = "1337", description = "Seed of everything (default: ${DEFAULT-VALUE}).")
    long seed;

    /** The demo's settings: about ten minutes on 2 cores (6 of them pretraining), or under a minute with {@code --quick}. */
    static RunSettings settings(boolean quick, long seed) {
        return quick
                ? new RunSettings("embedded:kjv", "text", "blank-lines", true, true, false, "bpe:512", "docs:0.9,0.05,0.05",
                "llama", 96, 3, 4, 2, 256, 64, 0, false, 16, 240, 3e-3, 3e-4, 30, 0.1, 0.9, 0.95, 1, 1.0, 60, 10, 0, 0,
                seed, 48, "And God said")
                : new RunSettings("embedded:kjv", "text", "blank-lines", true, true, false, "bpe:1024", "docs:0.9,0.05,0.05",
                "llama", 192, 4, 6, 2, 512, 128, 0, false, 16, 1500, 2e-3, 2e-4, 100, 0.1, 0.9, 0.95, 1, 1.0, 250, 20, 0, 0,
                seed, 80, "And God said");
    }

    @Override
    public Integer call() throws Exception {
        RunSettings s = settings(quick, seed);
        try (Outputs.RunDirectory dir = Outputs.RunDirectory.create(out != null ? out : Runs.newRunDir(main, (sft ? "demo-sft" : "demo") + (quick ? "-quick" : "")),
                overwrite, System.err)) {
            run(s, dir.path());
            dir.completed();
            return 0;
        }
    }

    private void run(RunSettings s, Path runDir) throws Exception {
        s.save(runDir);
        System.out.println("jgrad demo" + (quick ? " (quick)" : "") + ": pretraining a small LLaMA-style model on the King James Bible");
        System.out.println("run directory: " + runDir);
        System.out.println();
        System.out.println("[1/4] preparing the data: clean, deduplicate, split by chapter, train a BPE tokenizer, cache tokens");
        Session session = new Session(s, runDir, System.out);
        long t0 = System.nanoTime();
        LanguageModelData.Report report = session.prepareData(runDir.resolve("data"));
        Runs.printDataReport(report, session, System.out);
        System.out.printf(Locale.ROOT, "      (%.1f s)%n%n", (System.nanoTime() - t0) / 1e9);

        session.buildModel();
        System.out.printf(Locale.ROOT, "[2/4] pretraining %s: %,d parameters, %d steps of %d x %d tokens%n", s.model().toUpperCase(Locale.ROOT),
                session.model().numParameters(), s.steps(), s.batch(), s.block());
        System.out.println("      " + session.modelConfig());
        TrainingResult result = session.train(false, Runs.interactive());
        System.out.println();

        System.out.println("[3/4] results");
        System.out.printf(Locale.ROOT, "      validation loss %.4f, perplexity %.2f (best %.2f at step %d; a uniform guess over %d tokens: %d)%n",
                result.lastValLoss(), Math.exp(result.lastValLoss()), result.bestValPerplexity(), result.bestStep(),
                session.tokenizer().vocabSize(), session.tokenizer().vocabSize());
        System.out.println("      samples (temperature 0.8, top-k 40):");
        for (int i = 0; i < 2; i++) {
            String text = dev.jgrad.examples.Samples.sample(session.model(), session.tokenizer(), s.prompt(), s.sampleTokens(), 100 + i);
            System.out.println("      > " + text.replace("\n", "\n        "));
        }
        Runs.printResult(result, runDir, System.out);
        System.out.println("      generate more: ./jgrad generate --checkpoint " + runDir
                + " --prompt \"And God said\" --temperature 0.8 --top-k 40 --steps 100");
        System.out.println();

        if (sft) {
            System.out.println("[4/4] instruction tuning: teaching the pretrained model to answer a question, the book of a verse");
            long t1 = System.nanoTime();
            dev.jgrad.examples.SftDemoStage.run(session.model(), session.tokenizer(), runDir, quick, seed, Runs.interactive(), System.out);
            System.out.printf(Locale.ROOT, "      (%.1f s)%n", (System.nanoTime() - t1) / 1e9);
            return;
        }
        System.out.println("[4/4] QLoRA: fine-tuning the pretrained model on a new domain, the Unix fortune cookies, with a 4-bit base");
        long t1 = System.nanoTime();
        dev.jgrad.examples.QloraDemoStage.run(session.model(), session.tokenizer(), session.validation(), runDir, quick, seed,
                Runs.interactive(), System.out);
        System.out.printf(Locale.ROOT, "      (%.1f s)%n", (System.nanoTime() - t1) / 1e9);
    }
}
