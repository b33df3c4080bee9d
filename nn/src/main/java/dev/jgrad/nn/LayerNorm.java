package dev.jgrad.nn;

import dev.jgrad.core.Tensor;
import dev.jgrad.nn.functional.F;

/**
 * Layer normalisation over the last dimension (Ba, Kiros and Hinton, 2016):
 * {@code y = (x − mean)/√(var + eps)·weight + bias}, mean and biased variance over the row's
 * {@code normalizedShape} features (see {@link F#layerNorm}). Weight starts at ones and bias at zeros.
 */
public class LayerNorm extends Module implements Forward {

    private final int normalizedShape;
    private final double eps;
    private final boolean elementwiseAffine;

    /** eps = 1e-5, with weight and bias (PyTorch's defaults). */
    public LayerNorm(int normalizedShape) {
        this(normalizedShape, 1e-5, true, true);
    }

    /**
     * @param elementwiseAffine learn a per-feature weight (and bias)
     * @param bias              learn a bias too (GPT-2 has one; many newer models drop it)
     */
    public LayerNorm(int normalizedShape, double eps, boolean elementwiseAffine, boolean bias) {
        if (normalizedShape <= 0) throw new IllegalArgumentException("LayerNorm: size must be positive, got " + normalizedShape);
        if (!(eps >= 0)) throw new IllegalArgumentException("LayerNorm: eps must be >= 0, got " + eps);
        this.normalizedShape = normalizedShape;
        this.eps = eps;
        this.elementwiseAffine = elementwiseAffine;
        if (elementwiseAffine) {
            registerParameter("weight", Tensor.ones(normalizedShape));
            if (bias) registerParameter("bias", Tensor.zeros(normalizedShape));
        }
    }

    /** The weight, or null without an affine transform. */
    public Tensor weight() {
        return hasParameter("weight") ? parameter("weight") : null;
    }

    /** The bias, or null without one. */
    public Tensor bias() {
        return hasParameter("bias") ? parameter("bias") : null;
    }

    public double eps() {
        return eps;
    }

    @Override
    public Tensor forward(Tensor x) {
        Norms.checkFeatures(this, "LayerNorm", normalizedShape, x);
        return F.layerNorm(x, weight(), bias(), eps);
    }

    @Override
    protected String extraRepr() {
        return "(" + normalizedShape + ",), eps=" + Repr.pyFloat(eps) + ", elementwise_affine=" + Repr.pyBool(elementwiseAffine);
    }
}
