package dev.jgrad.nn.functional;

import dev.jgrad.core.Tensor;

/** How a loss combines its per-element (or per-row) values, as PyTorch's {@code reduction} argument. */
public enum Reduction {
    /** The per-element losses, unreduced. */
    NONE,
    /** Their mean (for classification losses: over the targets that are not ignored). */
    MEAN,
    /** Their sum. */
    SUM;

    /** Applies this reduction to per-element losses (differentiable). */
    public Tensor apply(Tensor perElement) {
        return switch (this) {
            case NONE -> perElement;
            case MEAN -> perElement.mean();
            case SUM -> perElement.sum();
        };
    }
}
