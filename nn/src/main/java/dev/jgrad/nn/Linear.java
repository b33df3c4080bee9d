package dev.jgrad.nn;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.nn.functional.F;
import dev.jgrad.nn.init.Init;

/**
 * A fully connected layer, {@code y = x·Wᵀ + b}: {@code x (.., in)} → {@code (.., out)}, with
 * {@code weight (out, in)} and an optional {@code bias (out)}.
 *
 * <p>Initialisation as PyTorch's {@code nn.Linear}: the weight from Kaiming-uniform with a = √5, i.e.
 * {@code U(−1/√in, 1/√in)}, and the bias from {@code U(−1/√in, 1/√in)}.
 */
public class Linear extends Module implements Forward {

    private final int inFeatures, outFeatures;

    /** With a bias, initialised from {@link Init#defaultGenerator()}. */
    public Linear(int inFeatures, int outFeatures) {
        this(inFeatures, outFeatures, true, Init.defaultGenerator());
    }

    /** Initialised from {@link Init#defaultGenerator()}. */
    public Linear(int inFeatures, int outFeatures, boolean bias) {
        this(inFeatures, outFeatures, bias, Init.defaultGenerator());
    }

    /** Initialised from {@code gen}. */
    public Linear(int inFeatures, int outFeatures, boolean bias, Generator gen) {
        if (inFeatures < 0 || outFeatures < 0)
            throw new IllegalArgumentException("Linear: feature counts must be >= 0, got in=" + inFeatures + ", out=" + outFeatures);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        registerParameter("weight", Tensor.zeros(outFeatures, inFeatures));
        if (bias) registerParameter("bias", Tensor.zeros(outFeatures));
        resetParameters(gen);
    }

    /** Redraws the parameters with PyTorch's default initialisation. */
    public void resetParameters(Generator gen) {
        Init.kaimingUniform(weight(), Math.sqrt(5), Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU, gen);
        if (hasBias()) {
            double bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
            Init.uniform(bias(), -bound, bound, gen);
        }
    }

    public Tensor weight() {
        return parameter("weight");
    }

    /** The bias, or null without one. */
    public Tensor bias() {
        return hasBias() ? parameter("bias") : null;
    }

    public boolean hasBias() {
        return hasParameter("bias");
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() == 0 || x.size(-1) != inFeatures)
            throw new IllegalArgumentException(describe() + ": input of shape " + Shape.str(x.shape()) + " has "
                    + (x.rank() == 0 ? 0 : x.size(-1)) + " features, expected " + inFeatures);
        return F.linear(x, weight(), bias());
    }

    /** "path (Linear in=64, out=256)", naming the layer in error messages. */
    private String describe() {
        String what = "(Linear in=" + inFeatures + ", out=" + outFeatures + ")";
        return path().isEmpty() ? what : path() + " " + what;
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + Repr.pyBool(hasBias());
    }
}
