package dev.jgrad.core.ops;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;

/**
 * Options of {@link Attention#scaledDotProductAttention}. Start from {@link #DEFAULT} and change what you need:
 * {@code AttentionOptions.DEFAULT.withCausal(true).withDropout(0.1, gen)}.
 *
 * @param causal         query {@code i} of {@code Tq} sits at absolute position {@code Tk − Tq + i} and attends to keys
 *                       {@code j ≤ Tk − Tq + i} only (aligned to the end: with a KV cache, {@code Tq} new queries see the
 *                       whole cache and the causal part of themselves)
 * @param keyPaddingMask null, or a BOOL {@code (B, Tk)} tensor in which <b>true means "ignore this key"</b> (padding),
 *                       as PyTorch's {@code key_padding_mask}; a query that sees no key at all gets a zero output
 * @param dropoutP       probability of dropping each attention weight (training only; 0 at inference)
 * @param generator      where the dropout seed comes from (one {@code nextLong()} per forward call); required when
 *                       {@code dropoutP > 0}. The backward regenerates the same mask from that seed
 * @param scale          multiplier of {@code q·kᵀ}; {@code NaN} means {@code 1/√D}
 * @param window         0, or a sliding window (Mistral's {@code sliding_window}): with {@code causal}, the query at
 *                       absolute position {@code pos} attends only to keys {@code pos − window < j ≤ pos}, its last
 *                       {@code window} keys including itself
 */
public record AttentionOptions(boolean causal, Tensor keyPaddingMask, double dropoutP, Generator generator,
                               double scale, int window) {

    /** Not causal, no mask, no dropout, scale {@code 1/√D}. */
    public static final AttentionOptions DEFAULT = new AttentionOptions(false, null, 0, null, Double.NaN, 0);

    public AttentionOptions withCausal(boolean causal) {
        return new AttentionOptions(causal, keyPaddingMask, dropoutP, generator, scale, window);
    }

    public AttentionOptions withKeyPaddingMask(Tensor keyPaddingMask) {
        return new AttentionOptions(causal, keyPaddingMask, dropoutP, generator, scale, window);
    }

    public AttentionOptions withDropout(double dropoutP, Generator generator) {
        return new AttentionOptions(causal, keyPaddingMask, dropoutP, generator, scale, window);
    }

    public AttentionOptions withScale(double scale) {
        return new AttentionOptions(causal, keyPaddingMask, dropoutP, generator, scale, window);
    }

    /** A sliding window of {@code window} keys (0: none); needs causal attention. */
    public AttentionOptions withWindow(int window) {
        return new AttentionOptions(causal, keyPaddingMask, dropoutP, generator, scale, window);
    }

    /** The scale for head dimension {@code d}: {@link #scale} if set, else {@code 1/√d}. */
    public double scaleFor(int d) {
        return Double.isNaN(scale) ? 1 / Math.sqrt(d) : scale;
    }
}
