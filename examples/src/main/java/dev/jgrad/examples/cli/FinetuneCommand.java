package dev.jgrad.examples.cli;

import dev.jgrad.examples.Checks;
import dev.jgrad.examples.FineTuning;
import dev.jgrad.examples.Main;
import dev.jgrad.quant.QuantSpec;
import dev.jgrad.quant.QuantizedModels;
import dev.jgrad.quant.lora.Lora;
import dev.jgrad.quant.lora.LoraConfig;
import dev.jgrad.quant.qlora.QLoraFineTune;
import dev.jgrad.transformer.checkpoint.ModelLoader;
import dev.jgrad.transformer.data.LanguageModelData;
import dev.jgrad.transformer.data.InstructionFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./jgrad finetune}: QLoRA fine-tuning of a checkpoint on a text corpus. The base is loaded with its block
 * linear layers quantized as they are read (or in float32 with {@code --quant none}), LoRA adapters are attached and
 * trained, perplexities before and after are printed, and the adapter is written in PEFT's format to
 * {@code OUT/adapter}.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = "QLoRA fine-tuning: a 4-bit base (Hugging Face, llama2.c or jgrad checkpoint) with trained LoRA adapters.")
public final class FinetuneCommand implements Callable<Integer> {

    @Option(names = "--base", required = true, paramLabel = "CHECKPOINT",
            description = "The base model: HF directory, llama2.c .bin, jgrad checkpoint or training run directory.")
    Path base;
    @Option(names = "--format", description = "Checkpoint format hf, llama2c or jgrad (default: detected); or chat, alpaca or completion:"
            + " --data is instruction JSONL, rendered through the chat template, trained on assistant tokens only.")
    String format;
    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer (default: the checkpoint's own).")
    Path tokenizer;
    @Option(names = "--data", required = true, paramLabel = "TEXT", description = "Fine-tuning text: file, directory, .jsonl or embedded:NAME.")
    String data;
    @Option(names = "--documents", defaultValue = "blank-lines", description = "file, blank-lines or separator:LINE (default: ${DEFAULT-VALUE}).")
    String documents;
    @Option(names = "--original-data", paramLabel = "TEXT", description = "Text of the original domain, to measure forgetting.")
    String originalData;
    @Option(names = "--original-documents", defaultValue = "blank-lines", description = "Document boundary of --original-data.")
    String originalDocuments;
    @Option(names = "--r", defaultValue = "16", description = "LoRA rank (default: ${DEFAULT-VALUE}).")
    int r;
    @Option(names = "--alpha", defaultValue = "32", description = "LoRA alpha; scaling alpha/r (default: ${DEFAULT-VALUE}).")
    double alpha;
    @Option(names = "--dropout", defaultValue = "0.05", description = "Dropout on the adapters' input (default: ${DEFAULT-VALUE}).")
    double dropout;
    @Option(names = "--targets", defaultValue = "all-linear", description = "all-linear, names (q_proj,v_proj) or re:REGEX (default: ${DEFAULT-VALUE}).")
    String targets;
    @Option(names = "--rslora", description = "Rank-stabilised scaling alpha/sqrt(r).")
    boolean rslora;
    @Option(names = "--quant", defaultValue = "nf4", description = "nf4, fp4 or none (a float32 base: plain LoRA) (default: ${DEFAULT-VALUE}).")
    String quant;
    @Option(names = "--blocksize", defaultValue = "64", description = "Quantization block size (default: ${DEFAULT-VALUE}).")
    int blocksize;
    @Option(names = "--double-quant", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Quantize the block scales too (default: ${DEFAULT-VALUE}).")
    boolean doubleQuant;
    @Option(names = "--steps", defaultValue = "200", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    int steps;
    @Option(names = "--batch", defaultValue = "8", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--block", defaultValue = "128", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int block;
    @Option(names = "--lr", defaultValue = "2e-4", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;
    @Option(names = "--min-lr", description = "Final learning rate (default: lr/10).")
    Double minLr;
    @Option(names = "--warmup", description = "Warmup steps (default: 10, at most a tenth of --steps).")
    Integer warmup;
    @Option(names = "--weight-decay", defaultValue = "0", description = "AdamW weight decay on the adapters (default: ${DEFAULT-VALUE}).")
    double weightDecay;
    @Option(names = "--clip", defaultValue = "1.0", description = "Gradient-norm clip, 0 for none (default: ${DEFAULT-VALUE}).")
    double clip;
    @Option(names = "--eval-interval", defaultValue = "50", description = "Steps between evaluations (default: ${DEFAULT-VALUE}).")
    int evalInterval;
    @Option(names = "--eval-batches", defaultValue = "10", description = "Batches per evaluation (default: ${DEFAULT-VALUE}).")
    int evalBatches;
    @Option(names = "--patience", defaultValue = "0", description = "Evaluations without improvement before stopping, 0 never (default: ${DEFAULT-VALUE}).")
    int patience;
    @Option(names = "--gradient-checkpointing", description = "Recompute each block's activations in the backward pass: far less memory, one more forward per step.")
    boolean gradientCheckpointing;
    @Option(names = "--seed", defaultValue = "1337", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/finetune-TIMESTAMP).")
    Path out;
    @Option(names = "--checkpoint-every-steps", paramLabel = "N",
            description = "Write the adapters' checkpoints/last every N steps (default: every --eval-interval; 0: not by steps).")
    Integer checkpointEverySteps;
    @Option(names = "--checkpoint-every-minutes", paramLabel = "M", defaultValue = "5",
            description = "Also when M minutes have passed since the last one (0: not by time) (default: ${DEFAULT-VALUE}).")
    double checkpointEveryMinutes;

    @Option(names = "--overwrite", description = "Replace the run directory at --out if there is one (its contents are deleted).")
    boolean overwrite;

    @ParentCommand
    Main main;

    @Mixin
    InstructionOptions instruction;

    @Override
    public Integer call() throws Exception {
        Checks.positive("--lr", lr);
        if (minLr != null && !(minLr >= 0 && minLr <= lr))
            throw new IllegalArgumentException("--min-lr must be in [0, --lr " + lr + "], got " + minLr);
        Checks.range("--steps", steps, 1, Integer.MAX_VALUE);
        int warmup = this.warmup != null ? this.warmup : Math.min(10, steps / 10);
        if (this.warmup == null && warmup < 10)
            System.out.println("warmup: " + warmup + " steps, a tenth of this " + steps + "-step run (--warmup sets it)");
        if (warmup < 0 || warmup >= steps)
            throw new IllegalArgumentException("--warmup " + warmup + " must be in [0, --steps " + steps + ")");
        Checks.nonNegative("--weight-decay", weightDecay);
        Checks.nonNegative("--clip", clip);
        Checks.fraction("--dropout", dropout);
        Checks.positive("--alpha", alpha);
        Checks.range("--eval-interval", evalInterval, 0, Integer.MAX_VALUE);
        Checks.range("--eval-batches", evalBatches, 1, Checks.MAX_EVAL_BATCHES);
        Checks.range("--patience", patience, 0, Integer.MAX_VALUE);
        if (format != null && InstructionFormat.isName(format)) {
            Path data = Path.of(Runs.dataPath(main, this.data)), base = Runs.checkpoint(this.base, System.out);
            if (!java.nio.file.Files.isRegularFile(data)) throw new IllegalArgumentException("no such file: " + data);
            try (Outputs.RunDirectory dir = Outputs.RunDirectory.create(out != null ? out : Runs.newRunDir(main, "finetune"),
                    overwrite, System.err, data, base, tokenizer)) {
                int code = InstructionTuning.run(this, base, data, warmup, dir.path());
                dir.completed();
                return code;
            }
        }
        String data = Runs.dataPath(main, this.data), originalData = Runs.dataPath(main, this.originalData);
        dev.jgrad.examples.Session.corpus(data, documents, "text");   // the data exists, before anything is written
        if (originalData != null) dev.jgrad.examples.Session.corpus(originalData, originalDocuments, "text");
        Path base = Runs.checkpoint(this.base, System.out);
        QuantSpec spec = quant.equalsIgnoreCase("none") ? null : QuantSpec.of(quant, blocksize, doubleQuant);
        LoraConfig lora = LoraConfig.of(r, alpha, dropout, targets, rslora);
        try (Outputs.RunDirectory dir = Outputs.RunDirectory.create(out != null ? out : Runs.newRunDir(main, "finetune"),
                overwrite, System.err, data.startsWith("embedded:") ? null : Path.of(data),
                originalData == null || originalData.startsWith("embedded:") ? null : Path.of(originalData), base, tokenizer)) {
            Path runDir = dir.path();
            QLoraFineTune.Options o = new QLoraFineTune.Options(lora, null, steps, batch, block, lr, minLr != null ? minLr : lr / 10,
                    warmup, weightDecay, clip, evalInterval, evalBatches, patience, seed, runDir, Runs.interactive(),
                    checkpointEverySteps != null ? checkpointEverySteps : evalInterval, checkpointEveryMinutes);
            ModelLoader.Format f = format == null ? null : ModelLoader.Format.parse(format);
            System.out.println("loading " + base + (spec == null ? " (float32)" : " quantized while loading: " + spec));
            long t0 = System.nanoTime();
            ModelLoader.Loaded loaded = spec == null ? ModelLoader.load(base, f, tokenizer) : QuantizedModels.load(base, f, tokenizer, spec);
            if (loaded.tokenizer() == null)
                throw new IllegalArgumentException("no tokenizer found beside " + base + ": give --tokenizer");
            System.out.printf(Locale.ROOT, "      %s (%.1f s)%n", loaded.model().config(), (System.nanoTime() - t0) / 1e9);
            LanguageModelData.Prepared text = FineTuning.prepare(data, documents, loaded.tokenizer(), runDir.resolve("data"), seed);
            LanguageModelData.Prepared original = originalData == null ? null
                    : FineTuning.prepare(originalData, originalDocuments, loaded.tokenizer(), runDir.resolve("data-original"), seed);
            System.out.printf(Locale.ROOT, "data: %,d train / %,d validation tokens%n", text.train().size(), text.validation().size());
            loaded.model().gradientCheckpointing(gradientCheckpointing);
            QLoraFineTune.prepare(loaded.model(), o, new dev.jgrad.core.Generator(seed));
            System.out.println(lora);
            FineTuning.printMemory(loaded.model(), Lora.adapterParameterCount(loaded.model()), System.out);
            QLoraFineTune.Report rep = FineTuning.run(loaded.model(), text.train(), text.validation(),
                    original == null ? null : original.validation(), o, base.toString());
            FineTuning.printReport(rep, "new-domain", "original-domain", System.out);
            System.out.println("adapter (PEFT format): " + rep.adapterDir());
            System.out.println("merge it: ./jgrad merge --base " + base + " --adapter " + rep.adapterDir() + " --out " + runDir.resolve("merged"));
            text.close();
            if (original != null) original.close();
            dir.completed();
            return 0;
        }
    }
}
