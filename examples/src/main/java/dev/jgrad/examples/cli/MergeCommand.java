package dev.jgrad.examples.cli;

import dev.jgrad.core.Generator;
import dev.jgrad.quant.lora.Lora;
import dev.jgrad.quant.lora.LoraLinear;
import dev.jgrad.quant.lora.PeftAdapter;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.checkpoint.HfCheckpoint;
import dev.jgrad.transformer.checkpoint.ModelLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./jgrad merge}: folds a LoRA adapter (PEFT format) into its float32 base and writes a Hugging Face
 * checkpoint ({@code W ← W + scaling·B·A} for each adapted layer, PEFT's {@code merge_and_unload}) with the base's
 * tokenizer, so that {@code ./jgrad generate --checkpoint OUT} runs it as it is.
 *
 * <p>The checkpoint is built in {@code .OUT.jgrad-partial} beside {@code OUT} and renamed into place when complete.
 * {@code --out} may not be the base or the adapter or a folder holding them, nor (without {@code --overwrite}) a
 * non-empty folder; an adapter holding NaN or infinite values is refused, naming the tensor.
 */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge a LoRA adapter into its base model and write a Hugging Face checkpoint (with the base's tokenizer).")
public final class MergeCommand implements Callable<Integer> {

    @Option(names = "--base", required = true, paramLabel = "CHECKPOINT",
            description = "The base model (HF, llama2.c, jgrad checkpoint or training run directory), loaded in float32.")
    Path base;
    @Option(names = "--format", description = "hf, llama2c or jgrad (default: detected).")
    String format;
    @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "Adapter directory (adapter_config.json, adapter_model.safetensors).")
    Path adapter;
    @Option(names = "--out", required = true, paramLabel = "HF_DIR", description = "Where to write the merged Hugging Face checkpoint.")
    Path out;
    @Option(names = "--overwrite", description = "Replace what --out holds (never allowed when --out is the base or the adapter).")
    boolean overwrite;

    /** The tokenizer files a checkpoint may have, copied beside the merged weights. */
    private static final String[] TOKENIZER_FILES = {"tokenizer.json", "tokenizer_config.json", "tokenizer.model",
            "tokenizer.bin", "encoder.json", "vocab.bpe"};

    @Override
    public Integer call() throws Exception {
        Outputs.checkWritable(out, "--out");
        Path base = Runs.checkpoint(this.base, System.out);
        Outputs.refuseInput(out, "--out", base, "--base");
        Outputs.refuseInput(out, "--out", adapter, "--adapter");
        if (Files.exists(out) && !Files.isDirectory(out))
            throw new IllegalArgumentException("--out " + out + " is a file, not a directory");
        if (!overwrite && !Outputs.absentOrEmpty(out))
            throw new IllegalArgumentException("--out " + out + " already exists and is not empty: give --overwrite to replace"
                    + " it, or another --out");

        ModelLoader.Loaded loaded = ModelLoader.load(base, format == null ? null : ModelLoader.Format.parse(format), null);
        CausalLM model = loaded.model();
        PeftAdapter.Config c = PeftAdapter.load(model, adapter, new Generator(0));
        Map<String, LoraLinear> adapters = Lora.adapters(model);   // PeftAdapter.load refused NaN/Inf values, naming the tensor
        Lora.mergeAndUnload(model);
        Path tokenizerDir = tokenizerDir(base);

        Path staging = Outputs.partial(out);
        Outputs.deleteRecursively(staging);   // left by a merge that was killed
        try {
            HfCheckpoint.save(model, staging);
            int copied = 0;
            for (String name : TOKENIZER_FILES) {
                if (tokenizerDir != null && Files.isRegularFile(tokenizerDir.resolve(name))) {
                    Files.copy(tokenizerDir.resolve(name), staging.resolve(name));
                    copied++;
                }
            }
            Outputs.replace(staging, out);
            System.out.println("merged " + c.lora() + " into " + adapters.size() + " layers of " + base + "; wrote " + out
                    + (copied > 0 ? " with the tokenizer of " + tokenizerDir : " (the base has no tokenizer file to copy)"));
        } finally {
            Outputs.deleteRecursively(staging);
        }
        return 0;
    }

    /**
     * Where the base's tokenizer files are: its own directory, else (a file such as a llama2.c {@code .bin}, or a
     * training run's {@code checkpoints/best}) the folder holding it; null when neither has one.
     */
    private static Path tokenizerDir(Path base) {
        Path own = Files.isDirectory(base) ? base : null;
        Path parent = base.toAbsolutePath().getParent();
        for (Path dir : new Path[] {own, parent}) {
            if (dir == null) continue;
            for (String name : TOKENIZER_FILES) if (Files.isRegularFile(dir.resolve(name))) return dir;
        }
        return null;
    }
}
