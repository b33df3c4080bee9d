package dev.jgrad.nn;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.nn.functional.F;
import dev.jgrad.nn.init.Init;

/**
 * Inverted dropout (Srivastava et al., 2014), active only in training mode: each element is zeroed with
 * probability p and the rest scaled by 1/(1 − p); in evaluation mode the input passes unchanged (see
 * {@link F#dropout}). The masks come from the layer's own {@link Generator}, so a seeded run, and a run
 * resumed with the generator's saved {@link Generator#state()}, draws the same masks.
 */
public class Dropout extends Module implements Forward {

    private final double p;
    private final Generator generator;

    /** Draws masks from {@link Init#defaultGenerator()}. */
    public Dropout(double p) {
        this(p, Init.defaultGenerator());
    }

    public Dropout(double p, Generator generator) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("Dropout: probability must be in [0, 1], got " + p);
        this.p = p;
        this.generator = generator;
    }

    public double p() {
        return p;
    }

    /** The generator the masks are drawn from (checkpoint its state to resume exactly). */
    public Generator generator() {
        return generator;
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.dropout(x, p, isTraining(), generator);
    }

    @Override
    protected String extraRepr() {
        return "p=" + Repr.pyFloat(p) + ", inplace=False";
    }
}
