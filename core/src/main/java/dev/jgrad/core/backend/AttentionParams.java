package dev.jgrad.core.backend;

/**
 * The scalar settings of one fused attention call (see {@link Backend#attentionForward}).
 *
 * @param scale       multiplies every score {@code q·k} before the softmax (usually {@code 1/√D})
 * @param causal      query {@code i} of {@code Tq} sits at absolute position {@code Tk − Tq + i} and sees only keys
 *                    {@code j ≤ Tk − Tq + i} (the mask is aligned to the end, so it also serves KV-cache decoding)
 * @param dropoutP    probability of dropping each attention weight, in {@code [0, 1)}; survivors are scaled by
 *                    {@code 1/(1 − p)}
 * @param dropoutSeed the seed of the counter-based dropout mask ({@link AttentionDropout}); ignored when
 *                    {@code dropoutP == 0}
 * @param window      0 for no limit, else a sliding window (Mistral): the query at absolute position {@code pos}
 *                    sees only the last {@code window} keys up to itself, {@code pos − window < j ≤ pos}; needs
 *                    {@code causal}
 */
public record AttentionParams(double scale, boolean causal, double dropoutP, long dropoutSeed, int window) {

    public AttentionParams {
        if (window < 0) throw new IllegalArgumentException("attention window must be >= 0 (0: none), got " + window);
        if (window > 0 && !causal) throw new IllegalArgumentException("a sliding attention window needs causal attention");
        if (!(dropoutP >= 0 && dropoutP < 1))
            throw new IllegalArgumentException("attention dropout probability must be in [0, 1), got " + dropoutP);
        if (!Double.isFinite(scale)) throw new IllegalArgumentException("attention scale must be finite, got " + scale);
    }

    /** Settings without a sliding window. */
    public AttentionParams(double scale, boolean causal, double dropoutP, long dropoutSeed) {
        this(scale, causal, dropoutP, dropoutSeed, 0);
    }

    /** True when some attention weights are dropped. */
    public boolean dropout() {
        return dropoutP > 0;
    }
}
