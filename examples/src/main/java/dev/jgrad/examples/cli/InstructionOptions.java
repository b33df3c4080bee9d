package dev.jgrad.examples.cli;

import picocli.CommandLine.Option;

/**
 * The options of {@code ./jgrad finetune --format chat|alpaca|completion} (instruction tuning) beyond those it
 * shares with text fine-tuning: the chat template, the example length, the validation split, full fine-tuning,
 * and the answers generated to evaluate.
 */
public final class InstructionOptions {

    @Option(names = "--chat-template", paramLabel = "NAME|FILE",
            description = "Instruction formats: llama-2, llama-3, chatml, mistral or a Jinja file (default: the chat_template of the model's tokenizer_config.json).")
    String chatTemplate;
    @Option(names = "--max-length", defaultValue = "512",
            description = "Instruction formats: tokens per example; longer ones keep their start, ones with no answer token left are dropped (default: ${DEFAULT-VALUE}).")
    int maxLength;
    @Option(names = "--val-fraction", defaultValue = "0.1",
            description = "Instruction formats: fraction of the records held out for validation (default: ${DEFAULT-VALUE}).")
    double validationFraction;
    @Option(names = "--full", description = "Instruction formats: fine-tune every weight of a float32 base instead of LoRA adapters (--quant and the LoRA options do not apply).")
    boolean full;
    @Option(names = "--eval-answers", defaultValue = "5",
            description = "Instruction formats: validation prompts answered before and after training (default: ${DEFAULT-VALUE}).")
    int evalAnswers;
    @Option(names = "--max-new-tokens", defaultValue = "64",
            description = "Instruction formats: the longest generated answer (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;
}
