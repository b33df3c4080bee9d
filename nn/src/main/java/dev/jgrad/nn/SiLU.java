package dev.jgrad.nn;

import dev.jgrad.core.Tensor;

/** {@code x·σ(x)} (also called swish), the activation of LLaMA's gated MLP. */
public class SiLU extends Module implements Forward {
    @Override
    public Tensor forward(Tensor x) {
        return x.silu();
    }
}
