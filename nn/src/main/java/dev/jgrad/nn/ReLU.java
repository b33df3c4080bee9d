package dev.jgrad.nn;

import dev.jgrad.core.Tensor;

/** {@code max(x, 0)}. */
public class ReLU extends Module implements Forward {
    @Override
    public Tensor forward(Tensor x) {
        return x.relu();
    }
}
