package dev.jgrad.examples;

import dev.jgrad.nn.data.Deduplicator;
import dev.jgrad.nn.data.DocumentSplit;
import dev.jgrad.nn.data.TextCleaner;
import dev.jgrad.nn.data.TokenSource;
import dev.jgrad.optim.train.TrainerCallback;
import dev.jgrad.quant.QuantizedModels;
import dev.jgrad.quant.qlora.QLoraFineTune;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.data.LanguageModelData;
import dev.jgrad.transformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The pieces {@code ./jgrad finetune} and the demo's second stage share: a corpus tokenized with the base model's
 * tokenizer, the QLoRA run with a loss plot, and the report.
 */
public final class FineTuning {

    private FineTuning() {}

    /**
     * {@code data} ({@link Session#corpus(String, String, String)}) cleaned, deduplicated, split by document 90/10/0
     * and tokenized with the base model's {@code tokenizer}, token caches under {@code cacheDir}.
     */
    public static LanguageModelData.Prepared prepare(String data, String documents, Tokenizer tokenizer, Path cacheDir, long seed) {
        LanguageModelData.Options opts = new LanguageModelData.Options(TextCleaner.Options.defaults(), Deduplicator.Options.defaults(),
                new DocumentSplit.Fractions(0.9, 0.1, 0), seed, new LanguageModelData.TokenizerSpec.Given(tokenizer), cacheDir);
        return LanguageModelData.prepare(Session.corpus(data, documents, "text"), opts);
    }

    /** Runs {@link QLoraFineTune#run} with progress lines on standard output and a loss plot in the run directory. */
    public static QLoraFineTune.Report run(CausalLM model, TokenSource train, TokenSource validation, TokenSource original,
                                           QLoraFineTune.Options options, String baseName) throws IOException {
        List<TrainerCallback> callbacks = new java.util.ArrayList<>();
        callbacks.add(new ConsoleProgress(System.out, options.progressBar(), options.evalInterval() / 5));
        if (options.runDir() != null) callbacks.add(new PlotWriter(options.runDir()));
        return QLoraFineTune.run(model, train, validation, original, options, baseName, callbacks);
    }

    /** The callback that draws the loss curves into {@code runDir/loss.png} as training goes. */
    public static TrainerCallback lossPlot(Path runDir) {
        return new PlotWriter(runDir);
    }

    /** The memory of the base: float32 against 4-bit, and what trains. */
    public static void printMemory(CausalLM model, long trainable, PrintStream out) {
        QuantizedModels.Memory m = QuantizedModels.memory(model);
        long floats = model.numParameters() - trainable;
        out.printf(Locale.ROOT, "      base linear weights: %,d parameters: float32 %s (32 bits/parameter) -> 4-bit %s (%.3f bits/parameter, %.1fx smaller)%n",
                m.parameters(), bytes(m.float32Bytes()), bytes(m.quantizedBytes()), m.bitsPerParameter(),
                m.quantizedBytes() == 0 ? 0 : (double) m.float32Bytes() / m.quantizedBytes());
        out.printf(Locale.ROOT, "      kept in float32 (embeddings, norms, head): %,d parameters, %s%n", floats, bytes(4 * floats));
        out.printf(Locale.ROOT, "      trainable LoRA parameters: %,d (%.2f%% of %,d), %s%n", trainable,
                100.0 * trainable / (m.parameters() + floats + trainable), m.parameters() + floats + trainable, bytes(4 * trainable));
    }

    /** Perplexities before and after. */
    public static void printReport(QLoraFineTune.Report r, String newDomain, String originalDomain, PrintStream out) {
        out.printf(Locale.ROOT, "      %s validation perplexity: %.2f -> %.2f%n", newDomain, r.newDomainBefore(), r.newDomainAfter());
        if (!Double.isNaN(r.originalBefore()))
            out.printf(Locale.ROOT, "      %s validation perplexity (forgetting): %.2f -> %.2f%n", originalDomain, r.originalBefore(), r.originalAfter());
    }

    static String bytes(long b) {
        if (b >= 1L << 30) return String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30));
        if (b >= 1L << 20) return String.format(Locale.ROOT, "%.2f MiB", b / (double) (1L << 20));
        if (b >= 1L << 10) return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        return b + " B";
    }
}
