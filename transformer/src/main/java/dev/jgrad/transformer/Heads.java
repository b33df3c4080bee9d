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
        return causalAttention(q, k, v, cache, layer, dropout, generator, 0);
    }

    /**
     * {@link #causalAttention(Tensor, Tensor, Tensor, KvCache, int, double, Generator) Causal attention} in which
     * each query sees only the last {@code window} keys up to itself (Mistral's sliding window; 0: no limit). The
     * cache keeps every position; a decode step reads only the last {@code window} of them. When every key fits in
     * the window (Tk ≤ window) it hides nothing, and the kernel runs without one (so backends without a window
     * mask, CUDA's, serve sequences up to the window).
     */
    public static Tensor causalAttention(Tensor q, Tensor k, Tensor v, KvCache cache, int layer, double dropout,
                                         Generator generator, int window) {
        if (cache != null) {
            Tensor[] kv = cache.update(layer, k, v);             // (B, Hkv, length + T, hd) each
            k = kv[0];
            v = kv[1];
            if (q.size(2) == 1) {
                int tk = k.size(2), seen = window > 0 ? Math.min(window, tk) : tk;
                return singleQueryAttention(q, k.narrow(2, tk - seen, seen), v.narrow(2, tk - seen, seen));
            }
        }
        AttentionOptions options = AttentionOptions.DEFAULT.withCausal(true).withWindow(window < k.size(2) ? window : 0);
        if (dropout > 0) options = options.withDropout(dropout, generator);
        return Attention.scaledDotProductAttention(q, k, v, options);   // (B, H, T, hd)
    }

    /**
     * Attention of one new query per head over the whole cache (a decode step), as two matrix-vector products per
     * head that read the cached keys and values in place:
     * <pre>
     *   p = softmax(K·q / √hd)      K (Tk, hd): the cached keys, one row each; no mask (the query is the last position)
     *   out = Vᵀ·p                  V (Tk, hd)
     * </pre>
     * The query heads of a GQA group share their kv head, so they form the rows of one product. The fused kernel
     * would first copy K into a transposed layout, {@code Tk·hd} floats per head and step; here the step allocates
     * only the {@code H·Tk} scores.
     */
    static Tensor singleQueryAttention(Tensor q, Tensor k, Tensor v) {
        int b = q.size(0), h = q.size(1), d = q.size(3), kvHeads = k.size(1), group = h / kvHeads;
        Tensor queries = q.reshape(b, kvHeads, group, d);                                 // (B, Hkv, G, hd)
        Tensor scores = queries.matmul(k.transpose(2, 3)).mul(1 / Math.sqrt(d));           // (B, Hkv, G, Tk)
        return scores.softmax(-1).matmul(v).reshape(b, h, 1, d);                          // (B, H, 1, hd)
    }
}
