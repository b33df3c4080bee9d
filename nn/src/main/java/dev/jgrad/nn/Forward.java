package dev.jgrad.nn;

import dev.jgrad.core.Tensor;

/** A module with one input and one output, the kind {@link Sequential} chains. */
@FunctionalInterface
public interface Forward {
    Tensor forward(Tensor input);
}
