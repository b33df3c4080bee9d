package dev.jgrad.core.autograd;

import dev.jgrad.core.Tensor;

/**
 * The backward of one op: given the gradient of the loss with respect to the op's output, return the
 * gradient with respect to each input (in input order; {@code null} for an input that needs none).
 * Runs with gradient recording off.
 */
@FunctionalInterface
public interface BackwardFunction {
    Tensor[] apply(Tensor gradOutput);
}
