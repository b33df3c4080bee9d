package dev.jgrad.nn.functional;

import dev.jgrad.core.Tensor;

import java.util.Map;
import java.util.function.Function;

import static java.util.Map.entry;

/**
 * The functional cases of {@code nn/src/test/scripts/make_nn_goldens.py}, written with jgrad's API; names
 * and input order match the script one for one.
 */
final class FunctionalCases {

    private FunctionalCases() {}

    static final int IGNORE = F.IGNORE_INDEX;

    static final Map<String, Function<Tensor[], Tensor>> CASES = Map.ofEntries(
            entry("linear", a -> F.linear(a[0], a[1], a[2])),
            entry("linear_nobias", a -> F.linear(a[0], a[1], null)),
            entry("layer_norm", a -> F.layerNorm(a[0], a[1], a[2], 1e-5)),
            entry("layer_norm_noaffine", a -> F.layerNorm(a[0], null, null, 1e-5)),
            entry("layer_norm_weight_only", a -> F.layerNorm(a[0], a[1], null, 1e-3)),
            entry("rms_norm", a -> F.rmsNorm(a[0], a[1], 1e-6)),
            entry("rms_norm_noweight", a -> F.rmsNorm(a[0], null, 1e-5)),
            entry("cross_entropy_mean", a -> F.crossEntropy(a[0], a[1])),
            entry("cross_entropy_sum", a -> F.crossEntropy(a[0], a[1], IGNORE, 0, Reduction.SUM)),
            entry("cross_entropy_none", a -> F.crossEntropy(a[0], a[1], IGNORE, 0, Reduction.NONE)),
            entry("cross_entropy_ignore", a -> F.crossEntropy(a[0], a[1])),
            entry("cross_entropy_ignore_custom", a -> F.crossEntropy(a[0], a[1], 2, 0, Reduction.SUM)),
            entry("cross_entropy_smooth", a -> F.crossEntropy(a[0], a[1], IGNORE, 0.1, Reduction.MEAN)),
            entry("cross_entropy_smooth_ignore_mean", a -> F.crossEntropy(a[0], a[1], IGNORE, 0.25, Reduction.MEAN)),
            entry("cross_entropy_smooth_ignore_none", a -> F.crossEntropy(a[0], a[1], IGNORE, 0.25, Reduction.NONE)),
            entry("cross_entropy_smooth_ignore_sum", a -> F.crossEntropy(a[0], a[1], IGNORE, 0.3, Reduction.SUM)),
            entry("cross_entropy_btc", a -> F.crossEntropy(a[0], a[1], IGNORE, 0.1, Reduction.MEAN)),
            entry("cross_entropy_btc_none", a -> F.crossEntropy(a[0], a[1], IGNORE, 0, Reduction.NONE)),
            entry("cross_entropy_masked_logits", a -> F.crossEntropy(a[0], a[1])),
            entry("cross_entropy_masked_logits_none", a -> F.crossEntropy(a[0], a[1], IGNORE, 0, Reduction.NONE)),
            entry("nll_loss_mean", a -> F.nllLoss(a[0], a[1], IGNORE, Reduction.MEAN)),
            entry("nll_loss_sum_ignore", a -> F.nllLoss(a[0], a[1], IGNORE, Reduction.SUM)),
            entry("nll_loss_none_ignore", a -> F.nllLoss(a[0], a[1], IGNORE, Reduction.NONE)),
            entry("nll_loss_mean_ignore", a -> F.nllLoss(a[0], a[1], IGNORE, Reduction.MEAN)),
            entry("mse_loss_mean", a -> F.mseLoss(a[0], a[1], Reduction.MEAN)),
            entry("mse_loss_sum", a -> F.mseLoss(a[0], a[1], Reduction.SUM)),
            entry("mse_loss_none", a -> F.mseLoss(a[0], a[1], Reduction.NONE)),
            entry("l1_loss_mean", a -> F.l1Loss(a[0], a[1], Reduction.MEAN)),
            entry("l1_loss_sum", a -> F.l1Loss(a[0], a[1], Reduction.SUM)),
            entry("l1_loss_none", a -> F.l1Loss(a[0], a[1], Reduction.NONE)),
            entry("bce_logits_mean", a -> F.binaryCrossEntropyWithLogits(a[0], a[1], null, Reduction.MEAN)),
            entry("bce_logits_sum", a -> F.binaryCrossEntropyWithLogits(a[0], a[1], null, Reduction.SUM)),
            entry("bce_logits_none", a -> F.binaryCrossEntropyWithLogits(a[0], a[1], null, Reduction.NONE)),
            entry("bce_logits_pos_weight_mean", a -> F.binaryCrossEntropyWithLogits(a[0], a[1], a[2], Reduction.MEAN)),
            entry("bce_logits_pos_weight_sum", a -> F.binaryCrossEntropyWithLogits(a[0], a[1], a[2], Reduction.SUM)),
            entry("bce_logits_pos_weight_none", a -> F.binaryCrossEntropyWithLogits(a[0], a[1], a[2], Reduction.NONE)));
}
