package dev.jgrad.nn;

import dev.jgrad.core.Tensor;

/** {@code tanh(x)}. */
public class Tanh extends Module implements Forward {
    @Override
    public Tensor forward(Tensor x) {
        return x.tanh();
    }
}
