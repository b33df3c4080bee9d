package dev.jgrad.examples.cli;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.nn.Linear;
import dev.jgrad.quant.Linear4bit;
import dev.jgrad.quant.QuantSpec;
import dev.jgrad.quant.QuantizedModels;
import dev.jgrad.quant.lora.Lora;
import dev.jgrad.quant.lora.PeftAdapter;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.checkpoint.GgufCheckpoint;
import dev.jgrad.transformer.checkpoint.HfCheckpoint;
import dev.jgrad.transformer.checkpoint.ModelLoader;
import dev.jgrad.transformer.tokenizer.ByteLevelBpeTokenizer;
import dev.jgrad.transformer.tokenizer.SentencePieceBpeTokenizer;
import dev.jgrad.transformer.tokenizer.Tokenizer;
import dev.jgrad.transformer.tokenizer.TokenizerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./jgrad export}: any checkpoint jgrad reads (optionally with a LoRA adapter merged in) to a GGUF file for
 * llama.cpp and Ollama, or to a Hugging Face safetensors directory.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a checkpoint (HF, llama2.c, jgrad or GGUF; LoRA adapter merged in with --adapter) as a GGUF"
                + " file for llama.cpp / Ollama, or as a Hugging Face safetensors directory.")
public final class ExportCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, paramLabel = "PATH", description = "The model to export (format detected).")
    Path checkpoint;
    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer file or directory (default: the checkpoint's own).")
    Path tokenizer;
    @Option(names = "--adapter", paramLabel = "DIR", description = "A LoRA adapter (PEFT format) to merge into the base first.")
    Path adapter;
    @Option(names = "--base-quant", paramLabel = "TYPE", description = "nf4 or fp4: load the base 4-bit quantized as"
            + " QLoRA fine-tuning did (block 64, --double-quant as given), so the adapter merges into the weights it was"
            + " trained against (the dequantized 4-bit base); default: the base in float32.")
    String baseQuant;
    @Option(names = "--double-quant", description = "With --base-quant: quantize the block scales too.")
    boolean doubleQuant;
    @Option(names = "--format", required = true, description = "gguf or safetensors.")
    String format;
    @Option(names = "--type", defaultValue = "f16", description = "GGUF type of the 2-D weights: f32, f16, bf16, q8_0 or q4_0"
            + " (default: ${DEFAULT-VALUE}); norms stay f32.")
    String type;
    @Option(names = "--out", required = true, paramLabel = "PATH", description = "The .gguf file, or the safetensors directory.")
    Path out;
    @Option(names = "--overwrite", description = "Replace what --out holds (never allowed when --out is an input).")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        String fmt = format.toLowerCase(Locale.ROOT);
        if (!fmt.equals("gguf") && !fmt.equals("safetensors"))
            throw new IllegalArgumentException("--format is gguf or safetensors, not \"" + format + "\"");
        GgufType t = GgufType.parse(type);
        if (t != GgufType.F32 && t != GgufType.F16 && t != GgufType.BF16 && t != GgufType.Q8_0 && t != GgufType.Q4_0)
            throw new IllegalArgumentException("--type is f32, f16, bf16, q8_0 or q4_0, not \"" + type + "\"");
        Outputs.checkWritable(out, "--out");
        Path checkpoint = Runs.checkpoint(this.checkpoint, System.out);
        Outputs.refuseInput(out, "--out", checkpoint, "--checkpoint");
        if (adapter != null) Outputs.refuseInput(out, "--out", adapter, "--adapter");
        if (tokenizer != null) Outputs.refuseInput(out, "--out", tokenizer, "--tokenizer");
        if (fmt.equals("gguf") && Files.isDirectory(out))
            throw new IllegalArgumentException("--out " + out + " is a directory: give the .gguf file to write");
        if (fmt.equals("safetensors") && Files.exists(out) && !Files.isDirectory(out))
            throw new IllegalArgumentException("--out " + out + " is a file, not a directory");
        if (!overwrite && (fmt.equals("gguf") ? Files.exists(out) : !Outputs.absentOrEmpty(out)))
            throw new IllegalArgumentException("--out " + out + " already exists" + (fmt.equals("gguf") ? "" : " and is not empty")
                    + ": give --overwrite to replace it, or another --out");
        long t0 = System.nanoTime();
        ModelLoader.Loaded loaded = baseQuant == null ? ModelLoader.load(checkpoint, null, tokenizer)
                : QuantizedModels.load(checkpoint, null, tokenizer, QuantSpec.of(baseQuant, 64, doubleQuant));
        CausalLM model = loaded.model();
        // a 4-bit base becomes the float model of its dequantized weights, which the adapter then merges into
        for (Map.Entry<String, Linear4bit> e : QuantizedModels.layers(model).entrySet()) {
            Linear4bit q = e.getValue();
            Linear dense = new Linear(q.inFeatures(), q.outFeatures(), q.hasBias());
            try (NoGrad ignored = NoGrad.enter()) {
                dense.weight().copyFrom(Tensor.of(q.dequantizedWeight(), q.outFeatures(), q.inFeatures()));
                if (q.hasBias()) dense.bias().copyFrom(q.bias());
            }
            model.replaceModule(e.getKey(), dense);
        }
        if (adapter != null) {
            PeftAdapter.load(model, adapter, new Generator(0));
            Lora.mergeAndUnload(model);
        }
        // Written beside --out and renamed into place: a failed or killed export leaves what was there untouched.
        Path staging = Outputs.partial(out);
        Outputs.deleteRecursively(staging);   // left by an export that was killed
        try {
            if (fmt.equals("gguf")) {
                Tokenizer tok = loaded.tokenizer();
                if (tok == null) {
                    System.err.println("jgrad export: no tokenizer found; the GGUF file carries none (give --tokenizer)");
                } else if (!(tok instanceof SentencePieceBpeTokenizer || tok instanceof ByteLevelBpeTokenizer)) {
                    System.err.println("jgrad export: a " + tok.getClass().getSimpleName() + " has no GGUF form (llama.cpp reads"
                            + " SentencePiece and byte-level BPE tokenizers); the GGUF file carries none");
                    tok = null;
                }
                String name = out.getFileName().toString().replaceFirst("\\.gguf$", "");
                // the chat template travels too: a GGUF source's own, else a tokenizer_config.json's beside the checkpoint
                TokenizerConfig config = TokenizerConfig.find(checkpoint, tokenizer);
                String template = loaded.chatTemplate() != null ? loaded.chatTemplate()
                        : config != null ? config.chatTemplate().orElse(null) : null;
                GgufCheckpoint.save(model, tok, template, t, name, staging);
            } else {
                HfCheckpoint.save(model, staging);
                if (loaded.tokenizer() instanceof ByteLevelBpeTokenizer bpe) {
                    bpe.saveHuggingFaceJson(staging.resolve("tokenizer.json"));
                } else {
                    Path dir = tokenizer != null ? tokenizer : Files.isDirectory(checkpoint) ? checkpoint : checkpoint.toAbsolutePath().getParent();
                    Path spm = Files.isDirectory(dir) ? dir.resolve("tokenizer.model") : dir;
                    if (Files.isRegularFile(spm) && spm.getFileName().toString().endsWith(".model"))
                        Files.copy(spm, staging.resolve("tokenizer.model"));
                }
            }
            Outputs.replace(staging, out);
        } finally {
            Outputs.deleteRecursively(staging);
        }
        System.out.printf(Locale.ROOT, "exported %s%s to %s (%s) in %.1f s%n", checkpoint,
                adapter == null ? "" : " + " + adapter, out, fmt.equals("gguf") ? "GGUF " + t : "safetensors", (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
