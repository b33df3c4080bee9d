package dev.jgrad.examples.cli;

import dev.jgrad.transformer.checkpoint.ModelLoader;
import dev.jgrad.transformer.generate.Generate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./jgrad generate}: text (or token ids) from a checkpoint. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a checkpoint: a Hugging Face directory, a llama2.c .bin, a jgrad checkpoint, or a GGUF file.")
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, paramLabel = "PATH",
            description = "The model to run; a training run's directory means its best checkpoint (else its last).")
    Path checkpoint;
    @Option(names = "--format", description = "hf, llama2c, jgrad or gguf (default: detected).")
    String format;
    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer file or directory (default: the checkpoint's own).")
    Path tokenizer;
    @Option(names = "--prompt", description = "Prompt text.")
    String prompt;
    @Option(names = "--prompt-ids", description = "Prompt as token ids (space or comma separated), for checkpoints without a tokenizer.")
    String promptIds;
    @Option(names = "--temperature", defaultValue = "1.0", description = "0 is greedy (default: ${DEFAULT-VALUE}).")
    double temperature;
    @Option(names = "--top-k", defaultValue = "0", description = "Keep the K most likely tokens, 0 for all (default: ${DEFAULT-VALUE}).")
    int topK;
    @Option(names = "--top-p", defaultValue = "0.9", description = "Nucleus sampling mass, 1 for off (default: ${DEFAULT-VALUE}).")
    double topP;
    @Option(names = "--repetition-penalty", defaultValue = "1.0", description = "Hugging Face's repetition penalty (default: ${DEFAULT-VALUE}).")
    double repetitionPenalty;
    @Option(names = "--seed", description = "Sampling seed (default: from the clock).")
    Long seed;
    @Option(names = "--steps", defaultValue = "256", description = "New tokens at most (default: ${DEFAULT-VALUE}).")
    int steps;
    @Option(names = "--quant", paramLabel = "TYPE", description = QuantOption.DESCRIPTION)
    String quant;
    @Option(names = "--ids", description = "Print the generated token ids (space-separated, without the prompt) instead of text.")
    boolean ids;

    @Override
    public Integer call() throws Exception {
        int[] parsedIds = promptIds == null ? null
                : java.util.Arrays.stream(promptIds.trim().split("[\\s,]+")).mapToInt(Integer::parseInt).toArray();
        Generate.Options o = new Generate.Options(Runs.checkpoint(checkpoint, System.err), format == null ? null : ModelLoader.Format.parse(format),
                tokenizer, prompt, parsedIds, temperature, topK, topP, repetitionPenalty, seed, steps, ids);
        Generate.run(o, QuantOption.linears(quant, o.checkpoint(), o.format()), System.out, System.err);
        return 0;
    }
}
