package dev.jgrad.nn;

import dev.jgrad.core.Tensor;

/**
 * The Gaussian error linear unit (Hendrycks and Gimpel, 2016): exactly {@code x·Φ(x)} with the normal CDF
 * Φ, or, with {@code approximate = "tanh"}, GPT-2's {@code x/2·(1 + tanh(√(2/π)(x + 0.044715x³)))}.
 */
public class GELU extends Module implements Forward {

    private final boolean tanh;

    /** The exact (erf) form. */
    public GELU() {
        this("none");
    }

    /** {@code "none"} (exact) or {@code "tanh"}, as PyTorch's {@code approximate} argument. */
    public GELU(String approximate) {
        if (!approximate.equals("none") && !approximate.equals("tanh"))
            throw new IllegalArgumentException("GELU: approximate must be 'none' or 'tanh', got '" + approximate + "'");
        this.tanh = approximate.equals("tanh");
    }

    @Override
    public Tensor forward(Tensor x) {
        return tanh ? x.geluTanh() : x.gelu();
    }

    @Override
    protected String extraRepr() {
        return "approximate='" + (tanh ? "tanh" : "none") + "'";
    }
}
