package dev.jgrad.transformer.generate;

import java.util.Arrays;

/**
 * How to choose each next token. Start from {@link #greedy(int)} or {@link #sampling(int, double, long)} and change
 * what you need with the {@code with...} methods.
 *
 * <p>The logits of each step go through these stages, in Hugging Face's order:
 * <ol>
 *   <li>repetition penalty (CTRL, Keskar et al. 2019): every token already in the sequence (prompt included) has
 *       its logit divided by {@code repetitionPenalty} if positive and multiplied by it if negative, so it becomes
 *       less likely either way; 1 is off;</li>
 *   <li>temperature: logits divided by {@code temperature}; 0 means greedy (argmax, no randomness);</li>
 *   <li>top-k: only the {@code topK} largest logits stay (ties with the k-th stay too); 0 is off;</li>
 *   <li>top-p (nucleus, Holtzman et al. 2020): of the softmax probabilities sorted in decreasing order, the
 *       smallest prefix whose sum reaches {@code topP} stays (at least one token); 1 is off;</li>
 *   <li>a draw from the renormalised probabilities with a {@link dev.jgrad.core.Generator} seeded by
 *       {@code seed}, so a seed reproduces a generation.</li>
 * </ol>
 *
 * @param maxNewTokens      at most this many tokens are generated (also bounded by the model's context)
 * @param temperature       0 for greedy decoding, else a positive divisor of the logits
 * @param topK              0 (off) or the number of candidates kept
 * @param topP              in (0, 1]; 1 is off
 * @param repetitionPenalty ≥ 1 discourages repeats (HF's 1.2 is typical); 1 is off
 * @param stopTokens        generation stops when one of these is drawn; the stop token itself is not emitted
 * @param seed              seed of the sampling generator
 */
public record GenerationConfig(int maxNewTokens, double temperature, int topK, double topP, double repetitionPenalty,
                               int[] stopTokens, long seed) {

    public GenerationConfig {
        if (maxNewTokens < 0) throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
        if (!(temperature >= 0) || Double.isInfinite(temperature))
            throw new IllegalArgumentException("temperature must be >= 0 and finite, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("topK must be >= 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty))
            throw new IllegalArgumentException("repetitionPenalty must be positive and finite, got " + repetitionPenalty);
        stopTokens = stopTokens == null ? new int[0] : stopTokens.clone();
    }

    /** Argmax decoding, no stop tokens. */
    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, 0, 0, 1, 1, null, 0);
    }

    /** Plain sampling at {@code temperature}, no top-k/top-p, no stop tokens. */
    public static GenerationConfig sampling(int maxNewTokens, double temperature, long seed) {
        return new GenerationConfig(maxNewTokens, temperature, 0, 1, 1, null, seed);
    }

    public GenerationConfig withTopK(int k) {
        return new GenerationConfig(maxNewTokens, temperature, k, topP, repetitionPenalty, stopTokens, seed);
    }

    public GenerationConfig withTopP(double p) {
        return new GenerationConfig(maxNewTokens, temperature, topK, p, repetitionPenalty, stopTokens, seed);
    }

    public GenerationConfig withRepetitionPenalty(double penalty) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, penalty, stopTokens, seed);
    }

    public GenerationConfig withStopTokens(int... ids) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty, ids, seed);
    }

    public GenerationConfig withSeed(long s) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty, stopTokens, s);
    }

    @Override
    public int[] stopTokens() {
        return stopTokens.clone();
    }

    /** True if {@code id} is a stop token. */
    public boolean isStop(int id) {
        for (int s : stopTokens) if (s == id) return true;
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationConfig c && maxNewTokens == c.maxNewTokens && temperature == c.temperature
                && topK == c.topK && topP == c.topP && repetitionPenalty == c.repetitionPenalty
                && Arrays.equals(stopTokens, c.stopTokens) && seed == c.seed;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(stopTokens) * 31 + Long.hashCode(seed);
    }

    @Override
    public String toString() {
        return "GenerationConfig[maxNewTokens=" + maxNewTokens + ", temperature=" + temperature + ", topK=" + topK
                + ", topP=" + topP + ", repetitionPenalty=" + repetitionPenalty + ", stopTokens="
                + Arrays.toString(stopTokens) + ", seed=" + seed + "]";
    }
}
