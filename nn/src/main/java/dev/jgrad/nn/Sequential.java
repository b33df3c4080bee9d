package dev.jgrad.nn;

import dev.jgrad.core.Tensor;

/**
 * Single-input modules applied in order; the children are named "0", "1", ..., so a parameter's path is
 * {@code 0.weight}, {@code 2.bias} as in PyTorch.
 */
public class Sequential extends Module implements Forward {

    private int count;

    public Sequential(Module... modules) {
        for (Module m : modules) add(m);
    }

    /** Appends a module, which must implement {@link Forward}; returns this. */
    public Sequential add(Module module) {
        if (!(module instanceof Forward))
            throw new IllegalArgumentException("Sequential: " + module.getClass().getSimpleName()
                    + " does not implement Forward (one tensor in, one tensor out)");
        registerModule(Integer.toString(count++), module);
        return this;
    }

    /** The module at position {@code i}. */
    public <M extends Module> M get(int i) {
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException("Sequential: index " + i + " of " + count);
        return child(Integer.toString(i));
    }

    public int size() {
        return count;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (int i = 0; i < count; i++) h = ((Forward) child(Integer.toString(i))).forward(h);
        return h;
    }
}
