package dev.jgrad.examples;

import dev.jgrad.optim.train.EvalMetrics;
import dev.jgrad.optim.train.TrainerCallback;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * After each evaluation, lets the model write a short text from the run's prompt (temperature 0.8, top-k 40,
 * a fixed seed so that samples of different steps are comparable) and appends it to {@code samples.txt} and,
 * through {@code textLog} (the Trainer's {@link dev.jgrad.optim.train.Trainer#logText}), to the run's TensorBoard
 * event file under the tag {@code samples}.
 */
final class SampleWriter implements TrainerCallback {

    private final CausalLM model;
    private final Tokenizer tokenizer;
    private final RunSettings settings;
    private final Path file;
    private final PrintStream out;
    private final BiConsumer<String, String> textLog;

    SampleWriter(CausalLM model, Tokenizer tokenizer, RunSettings settings, Path runDir, PrintStream out,
                 BiConsumer<String, String> textLog) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.settings = settings;
        this.file = runDir.resolve("samples.txt");
        this.out = out;
        this.textLog = textLog;
    }

    @Override
    public void onEvaluation(EvalMetrics metrics) {
        if (settings.sampleTokens() <= 0) return;
        String text = Samples.sample(model, tokenizer, settings.prompt(), settings.sampleTokens(), 1234);
        out.println("--- sample at step " + metrics.step() + " ---");
        out.println(text);
        out.println("---");
        textLog.accept("samples", text);
        try {
            Files.writeString(file, String.format(Locale.ROOT, "=== step %d (val loss %.4f) ===%n%s%n%n", metrics.step(),
                    metrics.loss(), text), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
