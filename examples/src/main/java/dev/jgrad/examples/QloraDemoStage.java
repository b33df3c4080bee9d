package dev.jgrad.examples;

import dev.jgrad.core.Generator;
import dev.jgrad.nn.data.TokenSource;
import dev.jgrad.quant.QuantSpec;
import dev.jgrad.quant.lora.LoraConfig;
import dev.jgrad.quant.qlora.QLoraFineTune;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.data.LanguageModelData;
import dev.jgrad.transformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The demo's second stage: QLoRA. The model just pretrained on the King James Bible is fine-tuned on a domain it has
 * never seen, the Unix fortune cookies ({@code embedded:fortunes}, one fortune per {@code %}-separated document,
 * tokenized with the Bible's BPE): its block linear layers quantized to NF4 with double quantization, rank-8 LoRA
 * adapters on all of them, only the adapters trained. Reported: fortunes perplexity before and after, Bible perplexity
 * before and after (what the adapters cost the original domain), the memory of the base in float32 and in 4 bits, and
 * samples; the adapter (PEFT format) and the loss plot go to {@code RUN/qlora}.
 */
public final class QloraDemoStage {

    private QloraDemoStage() {}

    /** The stage's settings: quick (about half a minute on 2 cores) or the full demo's. */
    static QLoraFineTune.Options options(boolean quick, long seed, Path dir) {
        LoraConfig lora = LoraConfig.of(8, 16, 0.05, LoraConfig.ALL_LINEAR, false);
        return quick
                ? new QLoraFineTune.Options(lora, QuantSpec.qlora(), 100, 16, 64, 4e-3, 4e-4, 10, 0, 1.0, 25, 6, 0, seed, dir, false)
                : new QLoraFineTune.Options(lora, QuantSpec.qlora(), 400, 16, 128, 3e-3, 3e-4, 30, 0, 1.0, 100, 10, 3, seed, dir, false);
    }

    /**
     * Runs the stage on the pretrained {@code model} (changed in place: quantized, adapters attached and trained).
     *
     * @param original the original domain's validation tokens (for forgetting)
     */
    public static QLoraFineTune.Report run(CausalLM model, Tokenizer tokenizer, TokenSource original, Path runDir, boolean quick,
                                           long seed, boolean progressBar, PrintStream out) throws IOException {
        Path dir = runDir.resolve("qlora");
        long t0 = System.nanoTime();
        LanguageModelData.Prepared fortunes = FineTuning.prepare("embedded:fortunes", "separator:%", tokenizer, dir.resolve("data"), seed);
        out.printf(Locale.ROOT, "      fortunes: %,d documents, %,d train / %,d validation tokens with the Bible's tokenizer (%.1f s)%n",
                fortunes.report().documentsRead(), fortunes.train().size(), fortunes.validation().size(), (System.nanoTime() - t0) / 1e9);
        QLoraFineTune.Options o = options(quick, seed, dir);
        o = new QLoraFineTune.Options(o.lora(), o.quant(), o.steps(), o.batch(), o.block(), o.lr(), o.minLr(), o.warmup(),
                o.weightDecay(), o.clip(), o.evalInterval(), o.evalBatches(), o.patience(), o.seed(), o.runDir(), progressBar);
        QLoraFineTune.prepare(model, o, new Generator(seed));
        out.println("      quantized the base to " + o.quant() + "; " + o.lora());
        FineTuning.printMemory(model, dev.jgrad.quant.lora.Lora.adapterParameterCount(model), out);
        out.printf(Locale.ROOT, "      training the adapters: %d steps of %d x %d tokens%n", o.steps(), o.batch(), o.block());
        QLoraFineTune.Report r = FineTuning.run(model, fortunes.train(), fortunes.validation(), original, o, "jgrad-demo-kjv");
        out.println();
        FineTuning.printReport(r, "fortunes", "King James Bible", out);
        out.println("      samples of the fine-tuned model (temperature 0.8, top-k 40):");
        for (int i = 0; i < 2; i++) {
            String text = Samples.sample(model, tokenizer, i == 0 ? "You will" : "Q:", quick ? 40 : 64, 200 + i);
            out.println("      > " + text.replace("\n", "\n        "));
        }
        out.println("      adapter (PEFT format): " + r.adapterDir() + "; loss plot: " + dir.resolve("loss.png"));
        fortunes.close();
        return r;
    }
}
