package dev.jgrad.transformer.serve;

import dev.jgrad.core.Tensor;

import java.util.Map;

/**
 * A LoRA adapter kept beside a shared base model instead of merged into it, so that requests for different
 * adapters (and for the base) can share one batched forward. For each adapted linear layer, named by its Hugging
 * Face path ({@code model.layers.3.self_attn.q_proj}):
 * <pre>
 *   y = base(x) + scaling · (x·Aᵀ)·Bᵀ      A (r, in), B (out, r)
 * </pre>
 * the function PEFT's {@code LoraLinear} computes in evaluation mode. The low-rank branch is two thin products
 * per sequence, so one step can apply a different adapter to each sequence's rows while the base weights are
 * read once for all of them.
 *
 * @param name   the name requests select it by (the {@code model} field of the OpenAI API)
 * @param layers the adapted layers by path
 */
public record Adapter(String name, Map<String, Layer> layers) {

    /** One adapted layer: {@code a (r, in)}, {@code b (out, r)} and the scaling (α/r, or α/√r for rsLoRA). */
    public record Layer(Tensor a, Tensor b, double scaling) {
        public Layer {
            if (a.rank() != 2 || b.rank() != 2 || a.size(0) != b.size(1))
                throw new IllegalArgumentException("Adapter: lora_A must be (r, in) and lora_B (out, r), got "
                        + dev.jgrad.core.Shape.str(a.shape()) + " and " + dev.jgrad.core.Shape.str(b.shape()));
        }
    }

    public Adapter {
        layers = Map.copyOf(layers);
    }

    /**
     * The branch's contribution {@code scaling·(x·Aᵀ)·Bᵀ} for rows {@code x (1, T, in)} of the layer at
     * {@code path}, or null when this adapter leaves that layer alone.
     */
    public Tensor delta(String path, Tensor x) {
        Layer l = layers.get(path);
        if (l == null) return null;
        return x.matmul(l.a().t()).matmul(l.b().t()).mul(l.scaling());   // (1, T, r) → (1, T, out)
    }
}
