package dev.jgrad.examples.cli;

import dev.jgrad.examples.Main;
import dev.jgrad.examples.RunSettings;
import picocli.CommandLine.Option;

import java.io.PrintStream;

/** The options that make up {@link RunSettings}, shared by {@code train} and {@code search}. */
public final class SettingsOptions {

    // ---- data ---------------------------------------------------------------------------------
    @Option(names = "--data", paramLabel = "PATH",
            description = "Training text: a file, a directory of text files, a .jsonl file, or embedded:kjv / embedded:fortunes.")
    String data;
    @Option(names = "--text-field", defaultValue = "text", description = "JSONL field holding the text (default: ${DEFAULT-VALUE}).")
    String textField;
    @Option(names = "--documents", defaultValue = "file",
            description = "How files split into documents: file, blank-lines or separator:LINE (default: ${DEFAULT-VALUE}).")
    String documents;
    @Option(names = "--no-clean", negatable = false, description = "Keep the text as is (no NFC, control-character or whitespace cleaning).")
    boolean noClean;
    @Option(names = "--no-dedup", negatable = false, description = "Keep duplicate documents.")
    boolean noDedup;
    @Option(names = "--lowercase", description = "Lowercase the text.")
    boolean lowercase;
    @Option(names = "--tokenizer", defaultValue = "bpe:2048",
            description = "char, bpe:SIZE (trained on the training split) or a tokenizer file (default: ${DEFAULT-VALUE}).")
    String tokenizer;
    @Option(names = "--split", defaultValue = "docs:0.9,0.05,0.05",
            description = "docs:TRAIN,VAL,TEST by document, or head-tail:FRACTION of the token stream (default: ${DEFAULT-VALUE}).")
    String split;

    // ---- model --------------------------------------------------------------------------------
    @Option(names = "--model", defaultValue = "llama", description = "llama (RMSNorm, SwiGLU, RoPE) or gpt (GPT-2) (default: ${DEFAULT-VALUE}).")
    String model;
    @Option(names = "--dim", defaultValue = "128", description = "Embedding width (default: ${DEFAULT-VALUE}).")
    int dim;
    @Option(names = "--layers", defaultValue = "4", description = "Transformer blocks (default: ${DEFAULT-VALUE}).")
    int layers;
    @Option(names = "--heads", defaultValue = "4", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;
    @Option(names = "--kv-heads", description = "Key/value heads for grouped-query attention (default: --heads).")
    Integer kvHeads;
    @Option(names = "--hidden", defaultValue = "0", description = "LLaMA MLP width (0: llama2.c's rule from --dim).")
    int hidden;
    @Option(names = "--block", defaultValue = "128", description = "Context length in tokens (default: ${DEFAULT-VALUE}).")
    int block;
    @Option(names = "--dropout", defaultValue = "0", description = "Dropout (GPT) (default: ${DEFAULT-VALUE}).")
    double dropout;
    @Option(names = "--bias", description = "Biases in linear layers and LayerNorm (GPT).")
    boolean bias;

    // ---- optimisation -------------------------------------------------------------------------
    @Option(names = "--batch", defaultValue = "16", description = "Sequences per batch (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--steps", defaultValue = "1000", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    int steps;
    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;
    @Option(names = "--min-lr", defaultValue = "1e-4", description = "Learning rate at the end of the cosine decay (default: ${DEFAULT-VALUE}).")
    double minLr;
    @Option(names = "--warmup", description = "Linear warmup steps (default: 100, at most a tenth of --steps).")
    Integer warmup;
    @Option(names = "--weight-decay", defaultValue = "0.1", description = "AdamW weight decay on matrices (default: ${DEFAULT-VALUE}).")
    double weightDecay;
    @Option(names = "--beta1", defaultValue = "0.9") double beta1;
    @Option(names = "--beta2", defaultValue = "0.99") double beta2;
    @Option(names = "--grad-accum", defaultValue = "1", description = "Micro-batches per step (default: ${DEFAULT-VALUE}).")
    int gradAccum;
    @Option(names = "--clip", defaultValue = "1.0", description = "Gradient norm clip, 0 for none (default: ${DEFAULT-VALUE}).")
    double clip;
    @Option(names = "--eval-interval", defaultValue = "100", description = "Evaluate every N steps (default: ${DEFAULT-VALUE}).")
    int evalInterval;
    @Option(names = "--eval-batches", defaultValue = "20", description = "Validation batches per evaluation (default: ${DEFAULT-VALUE}).")
    int evalBatches;
    @Option(names = "--patience", defaultValue = "0", description = "Early stopping after N evaluations without improvement (0: off).")
    int patience;
    @Option(names = "--min-delta", defaultValue = "0", description = "Smallest validation-loss improvement that counts.")
    double minDelta;
    @Option(names = "--seed", defaultValue = "1337", description = "Seed of initialisation, data order and split (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--sample-tokens", defaultValue = "100", description = "Tokens of sample text after each evaluation (0: none).")
    int sampleTokens;
    @Option(names = "--prompt", defaultValue = "\n", description = "Prompt of the samples.")
    String prompt;

    /**
     * The settings, with the data path and a tokenizer file resolved against {@code main}'s working directory; a
     * default warmup shortened for a short run says so on {@code out}.
     */
    RunSettings toSettings(Main main, PrintStream out) {
        int warmup = this.warmup != null ? this.warmup : RunSettings.defaultWarmup(steps);
        if (this.warmup == null && warmup < 100)
            out.println("warmup: " + warmup + " steps, a tenth of this " + steps + "-step run (the default 100 is for runs"
                    + " of 1000 steps or more; --warmup sets it)");
        return new RunSettings(Runs.dataPath(main, data), textField, documents, !noClean, !noDedup, lowercase, Runs.tokenizerPath(main, tokenizer), split, model, dim,
                layers, heads, kvHeads == null ? heads : kvHeads, hidden, block, dropout, bias, batch, steps, lr, minLr,
                warmup, weightDecay, beta1, beta2, gradAccum, clip, evalInterval, evalBatches, patience, minDelta, seed,
                sampleTokens, prompt);
    }
}
