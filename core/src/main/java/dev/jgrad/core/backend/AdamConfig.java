package dev.jgrad.core.backend;

/**
 * The hyperparameters of one Adam or AdamW update (see {@link Backend#adamUpdate}), as PyTorch's
 * {@code torch.optim.Adam} and {@code torch.optim.AdamW} name them.
 *
 * @param lr          learning rate γ
 * @param beta1       decay of the first-moment (mean) estimate β₁
 * @param beta2       decay of the second-moment (uncentred variance) estimate β₂
 * @param eps         ε added to the denominator for stability
 * @param weightDecay weight decay λ
 * @param decoupled   true for AdamW (θ ← θ(1 − γλ) before the update), false for Adam's L2 penalty
 *                    (g ← g + λθ)
 * @param amsgrad     keep the running maximum of the second moment and divide by it (AMSGrad)
 */
public record AdamConfig(double lr, double beta1, double beta2, double eps, double weightDecay,
                         boolean decoupled, boolean amsgrad) {

    public AdamConfig {
        if (!(lr >= 0)) throw new IllegalArgumentException("Adam: invalid learning rate " + lr);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("Adam: invalid beta1 " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("Adam: invalid beta2 " + beta2);
        if (!(eps >= 0)) throw new IllegalArgumentException("Adam: invalid epsilon " + eps);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("Adam: invalid weight decay " + weightDecay);
    }
}
