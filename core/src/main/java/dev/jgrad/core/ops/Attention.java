package dev.jgrad.core.ops;

import dev.jgrad.core.DType;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.backend.AttentionParams;
import dev.jgrad.core.backend.Backend;

import java.util.ArrayList;
import java.util.List;

/**
 * Scaled dot-product attention as one fused op, with its backward beside it:
 * <pre>
 *   out = dropout(softmax(scale · q·kᵀ + mask)) · v
 * </pre>
 * Shapes: {@code q (B, H, Tq, D)}, {@code k, v (B, Hkv, Tk, D)} → {@code out (B, H, Tq, D)}. {@code H} must be a
 * multiple of {@code Hkv}: query head {@code h} uses kv head {@code h / (H/Hkv)} (grouped-query attention; {@code Hkv
 * == 1} is multi-query, {@code Hkv == H} multi-head), and the k and v gradients sum over the query heads that share
 * them. Masks, dropout and scale are described in {@link AttentionOptions}.
 *
 * <p>The forward keeps each row's log-sum-exp; the backward recomputes the attention weights tile by tile from it
 * ({@link Backend#attentionBackward}), so neither pass stores a {@code (Tq, Tk)} matrix on the float32 fast path.
 * Dropout draws one seed from the options' generator per call and the backward regenerates the identical mask
 * from it. Float64 tensors run the naive reference kernels (gradient checks).
 */
public final class Attention {

    private Attention() {}

    /** Attention without mask or dropout, scale {@code 1/√D}. */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v) {
        return scaledDotProductAttention(q, k, v, AttentionOptions.DEFAULT);
    }

    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, AttentionOptions options) {
        validate(q, k, v, options);
        int batch = q.size(0), heads = q.size(1), tq = q.size(2), d = q.size(3);
        long seed = options.dropoutP() > 0 ? options.generator().nextLong() : 0;
        AttentionParams params = new AttentionParams(options.scaleFor(d), options.causal(), options.dropoutP(), seed,
                options.window());
        Tensor mask = options.keyPaddingMask();
        Backend backend = q.backend();
        Tensor out = Tensor.empty(q.dtype(), q.device(), batch, heads, tq, d);   // (B, H, Tq, D)
        Tensor lse = Tensor.empty(q.dtype(), q.device(), batch, heads, tq);      // (B, H, Tq)
        backend.attentionForward(q, k, v, mask, params, out, lse);

        List<Tensor> saved = new ArrayList<>(List.of(q, k, v, out));
        if (mask != null) saved.add(mask);
        return Autograd.record("scaled_dot_product_attention", out, new Tensor[] {q, k, v},
                saved.toArray(new Tensor[0]), g -> {
                    Tensor gq = Tensor.empty(q.dtype(), q.device(), q.shape());
                    Tensor gk = Tensor.empty(k.dtype(), k.device(), k.shape());
                    Tensor gv = Tensor.empty(v.dtype(), v.device(), v.shape());
                    backend.attentionBackward(q, k, v, mask, params, out, lse, g, gq, gk, gv);
                    return new Tensor[] {gq, gk, gv};
                });
    }

    private static void validate(Tensor q, Tensor k, Tensor v, AttentionOptions o) {
        String op = "scaled_dot_product_attention";
        if (o == null) throw new IllegalArgumentException(op + ": options must not be null (use AttentionOptions.DEFAULT)");
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
            throw new IllegalArgumentException(op + ": q, k, v must be 4-D (B, H, T, D), got shapes " + shapes(q, k, v));
        Elementwise.checkFloat(op, q, k);
        Elementwise.checkFloat(op, q, v);
        if (!java.util.Arrays.equals(k.shape(), v.shape()))
            throw new IllegalArgumentException(op + ": k and v must have the same shape (B, Hkv, Tk, D), got " + shapes(q, k, v));
        if (q.size(0) != k.size(0) || q.size(3) != k.size(3))
            throw new IllegalArgumentException(op + ": q (B, H, Tq, D) and k (B, Hkv, Tk, D) must agree in B and D, got "
                    + shapes(q, k, v));
        if (q.size(1) < 1 || q.size(2) < 1 || q.size(3) < 1 || k.size(1) < 1 || k.size(2) < 1)
            throw new IllegalArgumentException(op + ": H, Hkv, Tq, Tk and D must be positive, got " + shapes(q, k, v));
        if (q.size(1) % k.size(1) != 0)
            throw new IllegalArgumentException(op + ": the " + q.size(1) + " query heads must be a multiple of the "
                    + k.size(1) + " kv heads (grouped-query attention), got " + shapes(q, k, v));
        Tensor m = o.keyPaddingMask();
        if (m != null) {
            if (m.dtype() != DType.BOOL || m.rank() != 2 || m.size(0) != q.size(0) || m.size(1) != k.size(2))
                throw new IllegalArgumentException(op + ": keyPaddingMask must be BOOL (B, Tk) = (" + q.size(0) + ", "
                        + k.size(2) + "), got " + m.dtype() + " " + Shape.str(m.shape()));
            if (!m.device().equals(q.device()))
                throw new IllegalArgumentException(op + ": keyPaddingMask is on " + m.device() + ", q on " + q.device());
        }
        if (!(o.dropoutP() >= 0 && o.dropoutP() < 1))
            throw new IllegalArgumentException(op + ": dropoutP must be in [0, 1), got " + o.dropoutP());
        if (o.dropoutP() > 0 && o.generator() == null)
            throw new IllegalArgumentException(op + ": dropoutP = " + o.dropoutP() + " needs a Generator for the dropout seed");
        if (o.window() < 0) throw new IllegalArgumentException(op + ": window must be >= 0 (0: none), got " + o.window());
        if (o.window() > 0 && !o.causal())
            throw new IllegalArgumentException(op + ": a sliding window of " + o.window() + " keys needs causal attention");
        if (Double.isInfinite(o.scale()))
            throw new IllegalArgumentException(op + ": scale must be finite (or NaN for 1/sqrt(D)), got " + o.scale());
    }

    private static String shapes(Tensor q, Tensor k, Tensor v) {
        return "q " + Shape.str(q.shape()) + ", k " + Shape.str(k.shape()) + ", v " + Shape.str(v.shape());
    }
}
