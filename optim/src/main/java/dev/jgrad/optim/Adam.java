package dev.jgrad.optim;

import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.AdamConfig;

import java.util.List;

/**
 * Adam (Kingma and Ba, 2015), optionally with AMSGrad (Reddi et al., 2018) and an L2 penalty, exactly as
 * PyTorch's {@code torch.optim.Adam}:
 *
 * <pre>
 * input: γ (lr), β₁, β₂ (betas), θ₀ (params), f(θ) (objective), λ (weight decay), ε, amsgrad
 * initialise: m₀ ← 0 (first moment), v₀ ← 0 (second moment), v̂₀^max ← 0
 * for t = 1, 2, ...:
 *     g_t ← ∇f(θ_{t−1})
 *     if λ ≠ 0:  g_t ← g_t + λ·θ_{t−1}
 *     m_t ← β₁·m_{t−1} + (1 − β₁)·g_t
 *     v_t ← β₂·v_{t−1} + (1 − β₂)·g_t²
 *     m̂_t ← m_t / (1 − β₁ᵗ)
 *     if amsgrad:
 *         v̂_t^max ← max(v̂_{t−1}^max, v_t)
 *         v̂_t ← v̂_t^max / (1 − β₂ᵗ)
 *     else:
 *         v̂_t ← v_t / (1 − β₂ᵗ)
 *     θ_t ← θ_{t−1} − γ·m̂_t / (√v̂_t + ε)
 * return θ_t
 * </pre>
 *
 * (As in PyTorch's implementation, the bias corrections are folded into scalars:
 * {@code θ ← θ − (γ/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)}.) The state holds {@code exp_avg} (m),
 * {@code exp_avg_sq} (v) and, with AMSGrad, {@code max_exp_avg_sq}; the update is one fused pass
 * ({@code Backend.adamUpdate}) over the parameter, its gradient and these buffers. Note that the L2 penalty
 * here is scaled by the adaptive denominator like the gradient; {@link AdamW} decouples it.
 */
public class Adam extends Optimizer<Adam.Options> {

    /**
     * Adam's hyperparameters (PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0,
     * amsgrad false; AdamW's weight decay defaults to 1e-2).
     */
    public record Options(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad)
            implements Optimizer.Options<Options> {

        public Options {
            new AdamConfig(lr, beta1, beta2, eps, weightDecay, false, amsgrad); // validates
        }

        /** PyTorch's Adam defaults with learning rate {@code lr}. */
        public static Options lr(double lr) {
            return new Options(lr, 0.9, 0.999, 1e-8, 0, false);
        }

        @Override
        public Options withLr(double lr) {
            return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad);
        }

        public Options withBetas(double b1, double b2) {
            return new Options(lr, b1, b2, eps, weightDecay, amsgrad);
        }

        public Options withEps(double e) {
            return new Options(lr, beta1, beta2, e, weightDecay, amsgrad);
        }

        public Options withWeightDecay(double wd) {
            return new Options(lr, beta1, beta2, eps, wd, amsgrad);
        }

        public Options withAmsgrad(boolean a) {
            return new Options(lr, beta1, beta2, eps, weightDecay, a);
        }
    }

    public Adam(List<Tensor> params, Options options) {
        super(params, options);
    }

    /** False for Adam (L2 penalty added to the gradient), true for AdamW (decay applied to the weights). */
    protected boolean decoupledWeightDecay() {
        return false;
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamState state, Options o) {
        Tensor m = state.bufferLike("exp_avg", param), v = state.bufferLike("exp_avg_sq", param);
        Tensor vmax = o.amsgrad() ? state.bufferLike("max_exp_avg_sq", param) : null;
        AdamConfig c = new AdamConfig(o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay(), decoupledWeightDecay(), o.amsgrad());
        param.backend().adamUpdate(param, grad, m, v, vmax, c, state.step());
    }

    @Override
    protected Class<Options> optionsType() {
        return Options.class;
    }
}
