package dev.jgrad.nn;

import dev.jgrad.core.Tensor;
import dev.jgrad.nn.functional.F;

/**
 * Root-mean-square normalisation over the last dimension (Zhang and Sennrich, 2019), LLaMA's norm:
 * {@code y = x/√(mean(x²) + eps)·weight}, no centring and no bias (see {@link F#rmsNorm}). The weight
 * starts at ones.
 */
public class RMSNorm extends Module implements Forward {

    private final int normalizedShape;
    private final double eps;
    private final boolean elementwiseAffine;

    /** eps = 1e-6 (LLaMA's), with a weight. */
    public RMSNorm(int normalizedShape) {
        this(normalizedShape, 1e-6, true);
    }

    public RMSNorm(int normalizedShape, double eps, boolean elementwiseAffine) {
        if (normalizedShape <= 0) throw new IllegalArgumentException("RMSNorm: size must be positive, got " + normalizedShape);
        if (!(eps >= 0)) throw new IllegalArgumentException("RMSNorm: eps must be >= 0, got " + eps);
        this.normalizedShape = normalizedShape;
        this.eps = eps;
        this.elementwiseAffine = elementwiseAffine;
        if (elementwiseAffine) registerParameter("weight", Tensor.ones(normalizedShape));
    }

    /** The weight, or null without one. */
    public Tensor weight() {
        return hasParameter("weight") ? parameter("weight") : null;
    }

    public double eps() {
        return eps;
    }

    @Override
    public Tensor forward(Tensor x) {
        Norms.checkFeatures(this, "RMSNorm", normalizedShape, x);
        return F.rmsNorm(x, weight(), eps);
    }

    @Override
    protected String extraRepr() {
        return "(" + normalizedShape + ",), eps=" + Repr.pyFloat(eps) + ", elementwise_affine=" + Repr.pyBool(elementwiseAffine);
    }
}
