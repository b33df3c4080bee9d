package dev.jgrad.examples.cli;

import dev.jgrad.core.Generator;
import dev.jgrad.quant.lora.Lora;
import dev.jgrad.quant.lora.PeftAdapter;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.checkpoint.HfCheckpoint;
import dev.jgrad.transformer.checkpoint.ModelLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code ./jgrad merge}: folds a LoRA adapter (PEFT format) into its float32 base and writes a Hugging Face
 * checkpoint ({@code W ← W + scaling·B·A} for each adapted layer, PEFT's {@code merge_and_unload}).
 */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge a LoRA adapter into its base model and write a Hugging Face checkpoint.")
public final class MergeCommand implements Callable<Integer> {

    @Option(names = "--base", required = true, paramLabel = "CHECKPOINT", description = "The base model (HF, llama2.c or jgrad), loaded in float32.")
    Path base;
    @Option(names = "--format", description = "hf, llama2c or jgrad (default: detected).")
    String format;
    @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "Adapter directory (adapter_config.json, adapter_model.safetensors).")
    Path adapter;
    @Option(names = "--out", required = true, paramLabel = "HF_DIR", description = "Where to write the merged Hugging Face checkpoint.")
    Path out;

    @Override
    public Integer call() throws Exception {
        ModelLoader.Loaded loaded = ModelLoader.load(base, format == null ? null : ModelLoader.Format.parse(format), null);
        CausalLM model = loaded.model();
        PeftAdapter.Config c = PeftAdapter.load(model, adapter, new Generator(0));
        int layers = Lora.adapters(model).size();
        Lora.mergeAndUnload(model);
        HfCheckpoint.save(model, out);
        for (String name : new String[] {"tokenizer.json", "tokenizer.model", "encoder.json", "vocab.bpe"}) {
            Path dir = Files.isDirectory(base) ? base : base.toAbsolutePath().getParent();
            if (Files.isRegularFile(dir.resolve(name))) Files.copy(dir.resolve(name), out.resolve(name));
        }
        System.out.println("merged " + c.lora() + " into " + layers + " layers of " + base + "; wrote " + out);
        return 0;
    }
}
