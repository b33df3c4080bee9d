package dev.jgrad.core.backend;

/**
 * The hyperparameters of one SGD update (see {@link Backend#sgdUpdate}), as PyTorch's {@code torch.optim.SGD}
 * names them.
 *
 * @param lr          learning rate γ
 * @param momentum    momentum μ (0: plain SGD, no buffer)
 * @param dampening   dampening τ of the gradient added to the momentum buffer
 * @param weightDecay L2 penalty λ added to the gradient: g ← g + λθ
 * @param nesterov    use Nesterov momentum (g ← g + μb instead of g ← b)
 */
public record SgdConfig(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {

    public SgdConfig {
        if (!(lr >= 0)) throw new IllegalArgumentException("SGD: invalid learning rate " + lr);
        if (!(momentum >= 0)) throw new IllegalArgumentException("SGD: invalid momentum " + momentum);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("SGD: invalid weight decay " + weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum > 0 and zero dampening");
    }
}
