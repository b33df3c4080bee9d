package dev.jgrad.transformer.generate;

import dev.jgrad.core.Generator;

import java.util.Arrays;

/**
 * Turns one step's logits into the next token id, following a {@link GenerationConfig}: repetition penalty,
 * temperature, top-k, top-p, then a draw (or argmax when the temperature is 0). The stages are also public static
 * methods, so each can be tested (and reused) on its own.
 *
 * <p>A sampler owns its {@link Generator}: one draw per sampled token, so the same seed, model and prompt give the
 * same tokens.
 */
public final class Sampler {

    private final GenerationConfig config;
    private final Generator generator;

    public Sampler(GenerationConfig config) {
        this.config = config;
        this.generator = new Generator(config.seed());
    }

    /**
     * The next id for {@code logits (V)} (modified in place) given the {@code historyLength} ids of the sequence so
     * far in {@code history} (prompt and generated; used by the repetition penalty).
     */
    public int next(float[] logits, int[] history, int historyLength) {
        if (config.repetitionPenalty() != 1) applyRepetitionPenalty(logits, history, historyLength, (float) config.repetitionPenalty());
        if (config.temperature() == 0) return argmax(logits);
        float invT = (float) (1 / config.temperature());
        for (int i = 0; i < logits.length; i++) logits[i] *= invT;
        if (config.topK() > 0 && config.topK() < logits.length) applyTopK(logits, config.topK());
        double[] probs = softmax(logits);
        if (config.topP() < 1) applyTopP(probs, config.topP());
        return draw(probs, generator.nextDouble());
    }

    /**
     * HF's {@code RepetitionPenaltyLogitsProcessor}: for each distinct id in {@code ids[0, length)}, a positive logit
     * is divided by {@code penalty} and a negative one multiplied by it.
     */
    public static void applyRepetitionPenalty(float[] logits, int[] ids, int length, float penalty) {
        boolean[] seen = new boolean[logits.length];
        for (int i = 0; i < length; i++) {
            int id = ids[i];
            if (id < 0 || id >= logits.length || seen[id]) continue;
            seen[id] = true;
            logits[id] = logits[id] > 0 ? logits[id] / penalty : logits[id] * penalty;
        }
    }

    /** The index of the largest logit (the first one on ties). */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /**
     * Sets every logit smaller than the k-th largest to −∞ (HF's {@code TopKLogitsWarper}: values tied with the
     * k-th stay).
     */
    public static void applyTopK(float[] logits, int k) {
        float[] sorted = logits.clone();
        Arrays.sort(sorted);
        float kth = sorted[sorted.length - k];
        for (int i = 0; i < logits.length; i++) if (logits[i] < kth) logits[i] = Float.NEGATIVE_INFINITY;
    }

    /** Softmax in double precision, shifted by the maximum. */
    public static double[] softmax(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) sum += p[i] = Math.exp((double) logits[i] - max);
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }

    /**
     * Nucleus filtering: sorts the probabilities in decreasing order and keeps the shortest prefix whose sum is at
     * least {@code topP} (always at least the most likely token); the others become 0. The kept ones are not
     * renormalised here ({@link #draw} scales by their sum).
     */
    public static void applyTopP(double[] probs, double topP) {
        Integer[] order = new Integer[probs.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(probs[b], probs[a]));
        double cumulative = 0;
        int keep = 0;
        while (keep < order.length) {
            cumulative += probs[order[keep++]];
            if (cumulative >= topP) break;
        }
        for (int i = keep; i < order.length; i++) probs[order[i]] = 0;
    }

    /** Inverse-CDF draw: the first index at which the running sum of {@code weights} exceeds {@code u·Σweights}. */
    public static int draw(double[] weights, double u) {
        double total = 0;
        for (double w : weights) total += w;
        double target = u * total, running = 0;
        int last = 0;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] <= 0) continue;
            running += weights[i];
            last = i;
            if (running > target) return i;
        }
        return last;   // rounding left target at the very end
    }
}
