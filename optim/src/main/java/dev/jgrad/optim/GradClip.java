package dev.jgrad.optim;

import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;

import java.util.Collection;

/** Gradient clipping, as {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}. */
public final class GradClip {

    private GradClip() {}

    /** {@link #clipGradNorm(Collection, double, double, boolean)} without the non-finite check. */
    public static double clipGradNorm(Collection<Tensor> params, double maxNorm, double normType) {
        return clipGradNorm(params, maxNorm, normType, false);
    }

    /**
     * Rescales the gradients of {@code params} together so that their joint norm is at most {@code maxNorm}.
     *
     * <p>The total norm treats all gradients as one vector: {@code ‖g‖_p = (Σ_i Σ_j |g_ij|^p)^(1/p)}, or
     * {@code max |g_ij|} for {@code normType = ∞} ({@link Double#POSITIVE_INFINITY}). With
     * {@code clip_coef = maxNorm / (total + 1e-6)}, every gradient is multiplied by clip_coef when it is
     * below 1, and left alone otherwise. Parameters without a gradient are skipped.
     *
     * @return the total norm before clipping (what training loops log)
     * @throws IllegalStateException if {@code errorIfNonfinite} and the norm is NaN or infinite
     */
    public static double clipGradNorm(Collection<Tensor> params, double maxNorm, double normType, boolean errorIfNonfinite) {
        if (!(normType > 0)) throw new IllegalArgumentException("clipGradNorm: norm type must be > 0, got " + normType);
        double total = 0;
        boolean any = false;
        try (NoGrad ignored = NoGrad.enter()) {
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g == null) continue;
                any = true;
                if (Double.isInfinite(normType)) total = Math.max(total, g.abs().max().item());
                else if (normType == 2) total += g.square().sum().item();
                else if (normType == 1) total += g.abs().sum().item();
                else total += g.abs().pow(normType).sum().item();
            }
            if (!any) return 0;
            if (!Double.isInfinite(normType)) total = normType == 2 ? Math.sqrt(total) : Math.pow(total, 1 / normType);
            if (errorIfNonfinite && !Double.isFinite(total))
                throw new IllegalStateException("clipGradNorm: the total norm of order " + normType
                        + " of the gradients is non-finite (" + total + "), so it cannot be clipped");
            double clipCoef = maxNorm / (total + 1e-6);
            if (clipCoef < 1) {
                for (Tensor p : params) if (p.grad() != null) p.grad().mulInPlace(clipCoef);
            }
        }
        return total;
    }

    /** Clamps every gradient element into {@code [−clipValue, clipValue]}, in place. */
    public static void clipGradValue(Collection<Tensor> params, double clipValue) {
        if (!(clipValue >= 0)) throw new IllegalArgumentException("clipGradValue: clip value must be >= 0, got " + clipValue);
        try (NoGrad ignored = NoGrad.enter()) {
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g != null) g.copyFrom(g.clamp(-clipValue, clipValue));
            }
        }
    }
}
