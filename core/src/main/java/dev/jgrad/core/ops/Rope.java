package dev.jgrad.core.ops;

import dev.jgrad.core.DType;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.Autograd;

/**
 * Rotary position embeddings (RoPE, Su et al. 2021), with their backward.
 *
 * <p>For {@code x (B, H, T, D)}, {@code D} even, the features form {@code D/2} pairs ({@link RopeStyle}); pair
 * {@code i} of the token at position {@code pos} is rotated by the angle {@code pos · θ^(−2i/D)}:
 * <pre>
 *   (x1, x2)  →  (x1·cos − x2·sin,  x2·cos + x1·sin)
 * </pre>
 * so that the dot product of a rotated query and key depends only on their distance. θ is 10000 in the original
 * paper and LLaMA 1/2, 500000 in LLaMA 3. A rotation is orthogonal, so the backward is the inverse rotation
 * (the same formula with {@code −sin}). Angles are formed in double precision; cos/sin tables are cached per
 * {@code (θ, D)}.
 */
public final class Rope {

    /** θ of the RoPE paper and LLaMA 1/2. */
    public static final double DEFAULT_THETA = 10000;

    private Rope() {}

    /** Positions {@code startPosition, startPosition + 1, ...} for the T tokens (e.g. after a KV cache of that length). */
    public static Tensor apply(Tensor x, int startPosition, double theta, RopeStyle style) {
        if (x.rank() != 4)
            throw new IllegalArgumentException("rope: x must be (B, H, T, D), got shape " + Shape.str(x.shape()));
        if (startPosition < 0) throw new IllegalArgumentException("rope: startPosition must be >= 0, got " + startPosition);
        int t = x.size(2);
        return apply(x, Tensor.arange(startPosition, (double) startPosition + t, 1, DType.I64).to(x.device()), theta, style);
    }

    /**
     * Explicit positions: I32/I64, {@code (T)} shared by the batch or {@code (B, T)} (left-padded batches, packed
     * sequences), all non-negative.
     */
    public static Tensor apply(Tensor x, Tensor positions, double theta, RopeStyle style) {
        validate(x, positions, theta, style);
        boolean interleaved = style == RopeStyle.INTERLEAVED;
        Tensor out = Tensor.empty(x.dtype(), x.device(), x.shape());   // (B, H, T, D)
        x.backend().rope(x, positions, theta, interleaved, false, out);
        return Autograd.record("rope", out, x, new Tensor[] {positions}, g -> {
            Tensor gx = Tensor.empty(g.dtype(), g.device(), g.shape());
            g.backend().rope(g, positions, theta, interleaved, true, gx);
            return new Tensor[] {gx};
        });
    }

    private static void validate(Tensor x, Tensor positions, double theta, RopeStyle style) {
        if (style == null) throw new IllegalArgumentException("rope: style must not be null");
        if (x.rank() != 4)
            throw new IllegalArgumentException("rope: x must be (B, H, T, D), got shape " + Shape.str(x.shape()));
        if (x.dtype() != DType.F32 && x.dtype() != DType.F64)
            throw new IllegalArgumentException("rope: needs float32 or float64 x, got " + x.dtype());
        int d = x.size(3);
        if (d < 2 || d % 2 != 0)
            throw new IllegalArgumentException("rope: the head dimension D must be even and positive, got shape "
                    + Shape.str(x.shape()));
        if (!(theta > 0) || Double.isInfinite(theta))
            throw new IllegalArgumentException("rope: theta must be positive and finite, got " + theta);
        if (positions.dtype() != DType.I64 && positions.dtype() != DType.I32)
            throw new IllegalArgumentException("rope: positions must be I32 or I64, got " + positions.dtype());
        boolean shared = positions.rank() == 1 && positions.size(0) == x.size(2);
        boolean perBatch = positions.rank() == 2 && positions.size(0) == x.size(0) && positions.size(1) == x.size(2);
        if (!shared && !perBatch)
            throw new IllegalArgumentException("rope: positions must be (T) = (" + x.size(2) + ") or (B, T) = ("
                    + x.size(0) + ", " + x.size(2) + "), got " + Shape.str(positions.shape()));
        if (!positions.device().equals(x.device()))
            throw new IllegalArgumentException("rope: positions are on " + positions.device() + ", x on " + x.device());
        for (long p : positions.toLongArray())
            if (p < 0) throw new IllegalArgumentException("rope: positions must be >= 0, found " + p);
    }
}
