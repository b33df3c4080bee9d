package dev.jgrad.transformer;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.ops.Attention;
import dev.jgrad.core.ops.AttentionOptions;

/**
 * The head bookkeeping shared by the attention layers: splitting projections into heads, running causal
 * attention with or without a {@link KvCache}, and merging heads back. All splits are views (no copies); the
 * fused attention kernel reads them through their strides.
 */
public final class Heads {

    private Heads() {}

    /** {@code x (B, T, heads·hd)} → {@code (B, heads, T, hd)}, a view. */
    public static Tensor split(Tensor x, int heads) {
        int b = x.size(0), t = x.size(1), width = x.size(2);
        return x.view(b, t, heads, width / heads).transpose(1, 2);
    }

    /** {@code y (B, H, T, hd)} → {@code (B, T, H·hd)}. */
    public static Tensor merge(Tensor y) {
        int b = y.size(0), h = y.size(1), t = y.size(2), d = y.size(3);
        return y.transpose(1, 2).reshape(b, t, h * d);
    }

    /**
     * Causal attention of {@code q (B, H, T, hd)} over {@code k, v (B, Hkv, T, hd)}: directly without a cache, or
     * after appending k and v to layer {@code layer} of {@code cache} and attending over every cached position
     * (causal alignment to the end lets the T new queries see the whole prefix). Attention-weight dropout applies
     * when {@code dropout > 0} (training only).
     */
    public static Tensor causalAttention(Tensor q, Tensor k, Tensor v, KvCache cache, int layer, double dropout,
                                         Generator generator) {
        AttentionOptions options = AttentionOptions.DEFAULT.withCausal(true);
        if (dropout > 0) options = options.withDropout(dropout, generator);
        if (cache != null) {
            Tensor[] kv = cache.update(layer, k, v);             // (B, Hkv, length + T, hd) each
            k = kv[0];
            v = kv[1];
        }
        return Attention.scaledDotProductAttention(q, k, v, options);   // (B, H, T, hd)
    }
}
