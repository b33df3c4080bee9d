package dev.jgrad.nn;

import dev.jgrad.core.Tensor;

/** {@code σ(x) = 1/(1 + e^(−x))}. */
public class Sigmoid extends Module implements Forward {
    @Override
    public Tensor forward(Tensor x) {
        return x.sigmoid();
    }
}
