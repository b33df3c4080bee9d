package dev.jgrad.transformer;

import dev.jgrad.core.Generator;
import dev.jgrad.nn.Forward;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Module;

/**
 * How a model builds each of its linear layers. The models ask the factory for every projection by its
 * Hugging Face path ({@code model.layers.3.self_attn.q_proj}, {@code transformer.h.0.mlp.c_fc}, {@code lm_head})
 * while they are constructed, so a caller decides per layer what to build: the default float {@link Linear}, or a
 * layer that stores its weight another way (a 4-bit layer from the {@code quant} module) and is filled by a
 * checkpoint loader through {@link WeightReceiver}. This is what lets a loader quantize a model tensor by tensor
 * without ever holding its float weights.
 *
 * <p>What the factory returns must be a {@link Module} that implements {@link Forward}, mapping
 * {@code (.., in)} to {@code (.., out)}.
 */
@FunctionalInterface
public interface LinearFactory {

    /**
     * The layer at {@code path}: {@code in} → {@code out} features, with a bias or not. Float layers draw their
     * initial values from {@code gen}.
     */
    Module create(String path, int in, int out, boolean bias, Generator gen);

    /** The default: a float32 {@link Linear} for every layer. */
    LinearFactory FLOAT = (path, in, out, bias, gen) -> new Linear(in, out, bias, gen);

    /** {@link #create}, checking that the factory kept its contract (a {@link Forward} module). */
    static Module build(LinearFactory factory, String path, int in, int out, boolean bias, Generator gen) {
        Module m = factory.create(path, in, out, bias, gen);
        if (!(m instanceof Forward))
            throw new IllegalStateException("the linear factory built " + (m == null ? "null" : m.getClass().getName())
                    + " for " + path + ", which is not a Forward module");
        return m;
    }
}
