package dev.jgrad.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Everything that defines a training run — data, tokenizer, model shape, optimisation — as one record. It is
 * written to the run directory as {@code config.json}, which is how {@code --resume} rebuilds the same run and
 * how a recipe ({@code --recipe shakespeare-char}) is stored.
 *
 * <p>Data: {@code data} is a file, a directory, a {@code .jsonl} file (text in {@code textField}), or
 * {@code embedded:kjv} / {@code embedded:fortunes}; {@code documents} is {@code file}, {@code blank-lines} or
 * {@code separator:LINE}; {@code tokenizer} is {@code char}, {@code bpe:SIZE} or a tokenizer file; {@code split}
 * is {@code docs:TRAIN,VAL,TEST} (by document) or {@code head-tail:FRACTION} (nanoGPT: the first part of the
 * token stream trains, the rest validates).
 */
public record RunSettings(
        String data, String textField, String documents, boolean clean, boolean dedup, boolean lowercase,
        String tokenizer, String split,
        String model, int dim, int layers, int heads, int kvHeads, int hidden, int block, double dropout, boolean bias,
        int batch, int steps, double lr, double minLr, int warmup, double weightDecay, double beta1, double beta2,
        int gradAccum, double clip, int evalInterval, int evalBatches, int patience, double minDelta, long seed,
        int sampleTokens, String prompt) {

    public RunSettings {
        if (data == null || data.isBlank()) throw new IllegalArgumentException("no training data: give --data PATH");
        if (!model.equals("llama") && !model.equals("gpt"))
            throw new IllegalArgumentException("--model must be llama or gpt, got " + model);
        if (dim <= 0 || layers <= 0 || heads <= 0 || block <= 1 || batch <= 0 || steps <= 0)
            throw new IllegalArgumentException("sizes must be positive (dim " + dim + ", layers " + layers + ", heads "
                    + heads + ", block " + block + ", batch " + batch + ", steps " + steps + ")");
        if (dim % heads != 0)
            throw new IllegalArgumentException("--dim " + dim + " is not divisible by --heads " + heads);
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw new IllegalArgumentException("--kv-heads " + kvHeads + " must divide --heads " + heads);
        Checks.positive("--lr", lr);
        if (!(minLr >= 0 && minLr <= lr))
            throw new IllegalArgumentException("--min-lr must be in [0, --lr " + lr + "], got " + minLr);
        if (warmup < 0 || warmup >= steps)
            throw new IllegalArgumentException("--warmup " + warmup + " must be in [0, --steps " + steps + ")");
        Checks.fraction("--dropout", dropout);
        Checks.nonNegative("--weight-decay", weightDecay);
        Checks.fraction("--beta1", beta1);
        Checks.fraction("--beta2", beta2);
        Checks.range("--grad-accum", gradAccum, 1, Checks.MAX_GRAD_ACCUM);
        Checks.nonNegative("--clip", clip);
        Checks.range("--eval-interval", evalInterval, 0, Integer.MAX_VALUE);
        Checks.range("--eval-batches", evalBatches, 1, Checks.MAX_EVAL_BATCHES);
        Checks.range("--patience", patience, 0, Integer.MAX_VALUE);
        Checks.nonNegative("--min-delta", minDelta);
        Checks.range("--sample-tokens", sampleTokens, 0, Integer.MAX_VALUE);
        Checks.range("--hidden", hidden, 0, Integer.MAX_VALUE);
    }

    /**
     * The warmup when none is given: 100 steps, but at most a tenth of the run, so that a short run (the README's
     * 300 steps, a 20-step test) warms up for a tenth of it instead of being refused.
     */
    public static int defaultWarmup(int steps) {
        return Math.min(100, steps / 10);
    }

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Writes {@code config.json} into {@code dir} atomically. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve("config.json.tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, dir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads a {@code config.json} written by {@link #save}. */
    public static RunSettings load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no run configuration at " + file);
        try {
            return JSON.readValue(file.toFile(), RunSettings.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException("invalid run configuration " + file + ": " + e.getOriginalMessage(), e);
        }
    }

    public RunSettings withSteps(int newSteps) {
        return new RunSettings(data, textField, documents, clean, dedup, lowercase, tokenizer, split, model, dim, layers,
                heads, kvHeads, hidden, block, dropout, bias, batch, newSteps, lr, minLr, Math.min(warmup, newSteps - 1),
                weightDecay, beta1, beta2, gradAccum, clip, evalInterval, evalBatches, patience, minDelta, seed,
                sampleTokens, prompt);
    }

    /** A copy with some fields replaced by name (for hyperparameter search), e.g. {@code lr=0.003, dim=128}. */
    public RunSettings with(java.util.Map<String, Object> overrides) {
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> m = JSON.convertValue(this, java.util.Map.class);
        for (var e : overrides.entrySet()) {
            String key = camel(e.getKey());
            if (!m.containsKey(key))
                throw new IllegalArgumentException("unknown setting \"" + e.getKey() + "\" (known: " + m.keySet() + ")");
            m.put(key, e.getValue());
        }
        try {
            return JSON.convertValue(m, RunSettings.class);
        } catch (IllegalArgumentException e) {
            // Jackson wraps the constructor's own message ("--dim 30 is not divisible by --heads 4") in its own words
            Throwable cause = e;
            while (cause.getCause() != null) cause = cause.getCause();
            throw cause instanceof IllegalArgumentException own ? own : e;
        }
    }

    /** "weight_decay" and "weight-decay" name the field weightDecay. */
    static String camel(String name) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : name.toCharArray()) {
            if (c == '_' || c == '-') up = true;
            else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }
}
