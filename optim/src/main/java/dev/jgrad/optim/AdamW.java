package dev.jgrad.optim;

import dev.jgrad.core.Tensor;

import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, 2019), exactly as PyTorch's
 * {@code torch.optim.AdamW}: the weights shrink by {@code γλ} directly instead of through the gradient, so
 * the decay is not rescaled by the adaptive denominator.
 *
 * <pre>
 * input: γ (lr), β₁, β₂ (betas), θ₀ (params), f(θ) (objective), λ (weight decay), ε, amsgrad
 * initialise: m₀ ← 0, v₀ ← 0, v̂₀^max ← 0
 * for t = 1, 2, ...:
 *     g_t ← ∇f(θ_{t−1})
 *     θ_t ← θ_{t−1} − γλ·θ_{t−1}
 *     m_t ← β₁·m_{t−1} + (1 − β₁)·g_t
 *     v_t ← β₂·v_{t−1} + (1 − β₂)·g_t²
 *     m̂_t ← m_t / (1 − β₁ᵗ)
 *     if amsgrad:
 *         v̂_t^max ← max(v̂_{t−1}^max, v_t)
 *         v̂_t ← v̂_t^max / (1 − β₂ᵗ)
 *     else:
 *         v̂_t ← v_t / (1 − β₂ᵗ)
 *     θ_t ← θ_t − γ·m̂_t / (√v̂_t + ε)
 * return θ_t
 * </pre>
 *
 * Same state and fused kernel as {@link Adam}. PyTorch's default weight decay for AdamW is 1e-2
 * ({@link #defaults(double)}); nanoGPT uses 0.1 on matrices and 0 on biases and norms, via two groups.
 */
public class AdamW extends Adam {

    /** PyTorch's AdamW defaults with learning rate {@code lr}: betas (0.9, 0.999), eps 1e-8, weight decay 1e-2. */
    public static Options defaults(double lr) {
        return Options.lr(lr).withWeightDecay(1e-2);
    }

    public AdamW(List<Tensor> params, Options options) {
        super(params, options);
    }

    @Override
    protected boolean decoupledWeightDecay() {
        return true;
    }
}
