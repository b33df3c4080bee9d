package dev.jgrad.nn;

import dev.jgrad.core.Tensor;

/** {@code exp(x)/Σ exp(x)} along {@code dim}, computed stably. */
public class Softmax extends Module implements Forward {

    private final int dim;

    public Softmax(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.softmax(dim);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
