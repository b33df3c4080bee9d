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
 */
public record AttentionParams(double scale, boolean causal, double dropoutP, long dropoutSeed) {

    public AttentionParams {
        if (!(dropoutP >= 0 && dropoutP < 1))
            throw new IllegalArgumentException("attention dropout probability must be in [0, 1), got " + dropoutP);
        if (!Double.isFinite(scale)) throw new IllegalArgumentException("attention scale must be finite, got " + scale);
    }

    /** True when some attention weights are dropped. */
    public boolean dropout() {
        return dropoutP > 0;
    }
}
