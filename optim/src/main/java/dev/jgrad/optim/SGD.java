package dev.jgrad.optim;

import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.SgdConfig;

import java.util.List;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight decay,
 * exactly as PyTorch's {@code torch.optim.SGD}:
 *
 * <pre>
 * input: γ (lr), θ₀ (params), f(θ) (objective), λ (weight decay), μ (momentum), τ (dampening), nesterov
 * for t = 1, 2, ...:
 *     g_t ← ∇f(θ_{t−1})
 *     if λ ≠ 0:  g_t ← g_t + λ·θ_{t−1}
 *     if μ ≠ 0:
 *         if t > 1:  b_t ← μ·b_{t−1} + (1 − τ)·g_t
 *         else:      b_t ← g_t
 *         if nesterov:  g_t ← g_t + μ·b_t
 *         else:         g_t ← b_t
 *     θ_t ← θ_{t−1} − γ·g_t
 * return θ_t
 * </pre>
 *
 * The momentum buffer b is the state {@code momentum_buffer}; the whole update is one fused pass
 * ({@code Backend.sgdUpdate}) over the parameter, its gradient and the buffer.
 */
public class SGD extends Optimizer<SGD.Options> {

    /**
     * SGD's hyperparameters (PyTorch's names and defaults: momentum 0, dampening 0, weight decay 0,
     * nesterov false).
     */
    public record Options(double lr, double momentum, double dampening, double weightDecay, boolean nesterov)
            implements Optimizer.Options<Options> {

        public Options {
            new SgdConfig(lr, momentum, dampening, weightDecay, nesterov); // validates
        }

        /** Plain SGD with learning rate {@code lr}. */
        public static Options lr(double lr) {
            return new Options(lr, 0, 0, 0, false);
        }

        @Override
        public Options withLr(double lr) {
            return new Options(lr, momentum, dampening, weightDecay, nesterov);
        }

        public Options withMomentum(double m) {
            return new Options(lr, m, dampening, weightDecay, nesterov);
        }

        public Options withDampening(double d) {
            return new Options(lr, momentum, d, weightDecay, nesterov);
        }

        public Options withWeightDecay(double wd) {
            return new Options(lr, momentum, dampening, wd, nesterov);
        }

        public Options withNesterov(boolean n) {
            return new Options(lr, momentum, dampening, weightDecay, n);
        }

        SgdConfig config() {
            return new SgdConfig(lr, momentum, dampening, weightDecay, nesterov);
        }
    }

    public SGD(List<Tensor> params, Options options) {
        super(params, options);
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamState state, Options o) {
        Tensor buffer = null;
        boolean first = false;
        if (o.momentum() != 0) {
            first = state.buffer("momentum_buffer") == null;
            buffer = state.bufferLike("momentum_buffer", param);
        }
        param.backend().sgdUpdate(param, grad, buffer, o.config(), first);
    }

    @Override
    protected Class<Options> optionsType() {
        return Options.class;
    }
}
