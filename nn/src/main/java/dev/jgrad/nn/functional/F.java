package dev.jgrad.nn.functional;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.autograd.NoGrad;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Functional neural-network ops with autograd, each forward written beside its backward; the layers of
 * {@code dev.jgrad.nn} are thin wrappers that own the parameters and call these.
 *
 * <p>Normalisations and cross-entropy run fused backend kernels ({@code Backend.layerNorm},
 * {@code Backend.crossEntropy}, ...): one kernel call for the forward, one for the backward, with only the
 * per-row statistics saved in between. The other ops are compositions of core tensor ops, whose backward
 * passes compose with them.
 *
 * <p>Shapes: features and classes are always the <em>last</em> dimension: {@code x (.., C)}. (PyTorch's
 * {@code cross_entropy} takes {@code (N, C, d..)}; a language model's {@code (B, T, C)} logits here give
 * the same result as PyTorch's {@code cross_entropy(logits.view(-1, C), targets.view(-1))}.)
 */
public final class F {

    /** PyTorch's default {@code ignore_index}. */
    public static final int IGNORE_INDEX = -100;

    private F() {}

    // =============================================================================================
    // Linear

    /**
     * {@code y = x·Wᵀ + b}: {@code x (.., in)}, {@code weight (out, in)}, {@code bias (out)} or null, giving
     * {@code (.., out)}. The transpose is a view that the matmul reads as such (no copy); the backward is
     * matmul's ({@code dx = dy·W}, {@code dW = dyᵀ·x}) and add's ({@code db = Σ dy}).
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (weight.rank() != 2)
            throw new IllegalArgumentException("linear: weight must be 2-D (out, in), got " + Shape.str(weight.shape()));
        if (x.rank() == 0 || x.size(-1) != weight.size(1))
            throw new IllegalArgumentException("linear: input of shape " + Shape.str(x.shape()) + " has "
                    + (x.rank() == 0 ? 0 : x.size(-1)) + " features, but the weight of shape "
                    + Shape.str(weight.shape()) + " expects " + weight.size(1));
        if (bias != null && (bias.rank() != 1 || bias.size(0) != weight.size(0)))
            throw new IllegalArgumentException("linear: bias of shape " + Shape.str(bias.shape())
                    + " does not match " + weight.size(0) + " output features");
        Tensor y = x.matmul(weight.t());
        return bias == null ? y : y.add(bias);
    }

    // =============================================================================================
    // Normalisation

    /**
     * Layer normalisation over the last dimension (size n):
     * {@code y = (x − mean)/√(var + eps) · weight + bias} with the biased variance, as
     * {@code torch.nn.functional.layer_norm(x, (n,), weight, bias, eps)}. {@code weight} and {@code bias} are
     * (n) or null.
     *
     * <p>Backward (x̂ the normalised input, ĝ = dy·weight, means over the row):
     * {@code dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))}, {@code dweight = Σ_rows dy·x̂}, {@code dbias = Σ_rows dy}.
     */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        int n = lastDim("layer_norm", x);
        checkVector("layer_norm", "weight", weight, x, n);
        checkVector("layer_norm", "bias", bias, x, n);
        int rows = x.numel() / Math.max(n, 1);
        int[] shape = x.shape();
        Tensor x2 = rows2d(x, rows, n);
        Tensor y2 = Tensor.empty(x.dtype(), x.device(), rows, n);
        Tensor mean = Tensor.empty(x.dtype(), x.device(), rows), rstd = Tensor.empty(x.dtype(), x.device(), rows);
        x.backend().layerNorm(x2, weight, bias, eps, y2, mean, rstd);
        return Autograd.record("layer_norm", y2.reshape(shape), new Tensor[] {x, weight, bias},
                saved(x2, weight, mean, rstd), g -> {
                    Tensor dx = wants(x) ? Tensor.empty(x.dtype(), x.device(), rows, n) : null;
                    Tensor dw = wants(weight) ? Tensor.empty(x.dtype(), x.device(), n) : null;
                    Tensor db = wants(bias) ? Tensor.empty(x.dtype(), x.device(), n) : null;
                    x.backend().layerNormBackward(rows2d(g, rows, n), x2, weight, mean, rstd, dx, dw, db);
                    return new Tensor[] {dx == null ? null : dx.reshape(shape), dw, db};
                });
    }

    /**
     * Root-mean-square normalisation over the last dimension (Zhang and Sennrich, 2019; LLaMA's norm):
     * {@code y = x/√(mean(x²) + eps) · weight}. {@code weight} is (n) or null.
     *
     * <p>Backward (x̂ = x·rstd, ĝ = dy·weight): {@code dx = rstd·(ĝ − x̂·mean(ĝ·x̂))},
     * {@code dweight = Σ_rows dy·x̂}.
     */
    public static Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
        int n = lastDim("rms_norm", x);
        checkVector("rms_norm", "weight", weight, x, n);
        int rows = x.numel() / Math.max(n, 1);
        int[] shape = x.shape();
        Tensor x2 = rows2d(x, rows, n);
        Tensor y2 = Tensor.empty(x.dtype(), x.device(), rows, n), rstd = Tensor.empty(x.dtype(), x.device(), rows);
        x.backend().rmsNorm(x2, weight, eps, y2, rstd);
        return Autograd.record("rms_norm", y2.reshape(shape), new Tensor[] {x, weight}, saved(x2, weight, rstd), g -> {
            Tensor dx = wants(x) ? Tensor.empty(x.dtype(), x.device(), rows, n) : null;
            Tensor dw = wants(weight) ? Tensor.empty(x.dtype(), x.device(), n) : null;
            x.backend().rmsNormBackward(rows2d(g, rows, n), x2, weight, rstd, dx, dw);
            return new Tensor[] {dx == null ? null : dx.reshape(shape), dw};
        });
    }

    // =============================================================================================
    // Dropout

    /**
     * Inverted dropout: in training, each element is zeroed with probability {@code p} (a Bernoulli draw per
     * element, in row-major order, from {@code gen}) and the survivors are scaled by 1/(1 − p), so the
     * expected output equals the input and evaluation needs no rescaling. Outside training, or with p = 0,
     * the input is returned unchanged; p = 1 gives zeros.
     *
     * <p>Backward: {@code dx = dy·mask}, the same scaled mask.
     */
    public static Tensor dropout(Tensor x, double p, boolean training, Generator gen) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("dropout: probability must be in [0, 1], got " + p);
        if (!training || p == 0) return x;
        double scale = p == 1 ? 0 : 1 / (1 - p);
        int[] shape = x.shape();
        Tensor hostMask = Tensor.zeros(x.dtype(), shape);
        if (x.dtype() == DType.F32) {
            float[] m = ((dev.jgrad.core.Storage.FloatStorage) hostMask.storage()).data;
            for (int i = 0; i < m.length; i++) m[i] = gen.nextDouble() < p ? 0f : (float) scale;
        } else {
            for (int i = 0; i < hostMask.numel(); i++) hostMask.storage().setDouble(i, gen.nextDouble() < p ? 0 : scale);
        }
        Tensor mask = hostMask.to(x.device());
        Tensor out;
        try (NoGrad ignored = NoGrad.enter()) {
            out = x.mul(mask);
        }
        return Autograd.record("dropout", out, x, new Tensor[] {mask}, g -> new Tensor[] {g.mul(mask)});
    }

    // =============================================================================================
    // Classification losses

    /** Cross-entropy with PyTorch's defaults: mean over targets, ignore index -100, no label smoothing. */
    public static Tensor crossEntropy(Tensor logits, Tensor targets) {
        return crossEntropy(logits, targets, IGNORE_INDEX, 0.0, Reduction.MEAN);
    }

    /**
     * Cross-entropy between {@code logits (.., C)} (unnormalised scores) and class indices
     * {@code targets (..)} (I32 or I64), as {@code torch.nn.functional.cross_entropy} with
     * {@code ignore_index} and {@code label_smoothing}.
     *
     * <p>With {@code p = softmax(x)} and smoothing ε, the target distribution is {@code q = (1−ε)·onehot(t) +
     * ε/C}, and the row's loss is {@code −Σ_c q_c log p_c = (1−ε)·(−log p_t) + (ε/C)·Σ_c (−log p_c)}.
     * Rows whose target equals {@code ignoreIndex} contribute 0 and are not counted: MEAN divides the sum by
     * the number of non-ignored targets (NaN when all are ignored, as in PyTorch); NONE returns the
     * per-row losses with the targets' shape.
     *
     * <p>Backward: {@code dx = g_row·(p − q)} (zero for ignored rows), {@code g_row} the incoming gradient of
     * the row, divided by the count for MEAN. It runs as one fused kernel that recomputes p from the saved
     * log-sum-exp of each row.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, double labelSmoothing,
                                      Reduction reduction) {
        int classes = lastDim("cross_entropy", logits);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new IllegalArgumentException("cross_entropy: label smoothing must be in [0, 1], got " + labelSmoothing);
        long[] t = checkTargets("cross_entropy", logits, targets, classes, ignoreIndex);
        int rows = t.length;
        long valid = countValid(t, ignoreIndex);
        Tensor x2 = rows2d(logits, rows, classes);
        Tensor t1 = Tensor.of(t).to(logits.device());   // the validated targets, beside the logits
        Tensor loss = Tensor.empty(logits.dtype(), logits.device(), rows);
        Tensor lse = Tensor.empty(logits.dtype(), logits.device(), rows);
        logits.backend().crossEntropy(x2, t1, ignoreIndex, labelSmoothing, loss, lse);
        int[] shape = logits.shape();
        Tensor out = reduceRows(loss, reduction, valid, targets.shape());
        return Autograd.record("cross_entropy", out, logits, new Tensor[] {x2, lse}, g -> {
            Tensor rowGrad = rowGradient(g, reduction, valid, rows);
            Tensor d = Tensor.empty(logits.dtype(), logits.device(), rows, classes);
            logits.backend().crossEntropyBackward(x2, t1, lse, rowGrad, ignoreIndex, labelSmoothing, d);
            return new Tensor[] {d.reshape(shape)};
        });
    }

    /** Negative log-likelihood with PyTorch's defaults: mean over targets, ignore index -100. */
    public static Tensor nllLoss(Tensor logProbs, Tensor targets) {
        return nllLoss(logProbs, targets, IGNORE_INDEX, Reduction.MEAN);
    }

    /**
     * Negative log-likelihood of {@code logProbs (.., C)} (log-probabilities, e.g. from
     * {@code logSoftmax(-1)}) at the class indices {@code targets (..)}: {@code loss = −logProbs[t]}, 0 for
     * ignored targets, reduced as in {@link #crossEntropy(Tensor, Tensor, int, double, Reduction)}. Built from
     * gather (whose backward scatters {@code −g} back to the picked entries).
     */
    public static Tensor nllLoss(Tensor logProbs, Tensor targets, int ignoreIndex, Reduction reduction) {
        int classes = lastDim("nll_loss", logProbs);
        long[] t = checkTargets("nll_loss", logProbs, targets, classes, ignoreIndex);
        long valid = countValid(t, ignoreIndex);
        long[] safe = new long[t.length];
        double[] keep = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            boolean ignored = t[i] == ignoreIndex;
            safe[i] = ignored ? 0 : t[i];
            keep[i] = ignored ? 0 : 1;
        }
        int[] tShape = targets.shape();
        int[] idxShape = Arrays.copyOf(tShape, tShape.length + 1);
        idxShape[tShape.length] = 1;
        Tensor index = Tensor.of(safe, idxShape).to(logProbs.device());
        Tensor mask = Tensor.of(keep, tShape.length == 0 ? new int[0] : tShape).to(logProbs.dtype()).to(logProbs.device());
        Tensor perRow = logProbs.gather(-1, index).squeeze(-1).neg().mul(mask);
        return switch (reduction) {
            case NONE -> perRow;
            case SUM -> perRow.sum();
            case MEAN -> perRow.sum().div((double) valid);
        };
    }

    // =============================================================================================
    // Regression losses

    /** Mean squared error with PyTorch's default reduction, the mean over all elements. */
    public static Tensor mseLoss(Tensor input, Tensor target) {
        return mseLoss(input, target, Reduction.MEAN);
    }

    /** Mean squared error {@code (input − target)²}, reduced; shapes must be equal. Backward: {@code 2(input − target)}. */
    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        checkSameShape("mse_loss", input, target);
        return reduction.apply(input.sub(target).square());
    }

    /** Mean absolute error with PyTorch's default reduction, the mean over all elements. */
    public static Tensor l1Loss(Tensor input, Tensor target) {
        return l1Loss(input, target, Reduction.MEAN);
    }

    /** Mean absolute error {@code |input − target|}, reduced. Backward: {@code sign(input − target)} (0 at 0). */
    public static Tensor l1Loss(Tensor input, Tensor target, Reduction reduction) {
        checkSameShape("l1_loss", input, target);
        return reduction.apply(input.sub(target).abs());
    }

    /** Binary cross-entropy on logits with PyTorch's defaults: no positive weight, the mean over all elements. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target) {
        return binaryCrossEntropyWithLogits(input, target, null, Reduction.MEAN);
    }

    /**
     * Binary cross-entropy on logits, in the numerically stable form of
     * {@code torch.nn.functional.binary_cross_entropy_with_logits}: with {@code l = 1 + (posWeight − 1)·y}
     * (l = 1 without a positive weight) and {@code softplus(−x) = log(1 + e^(−|x|)) + max(−x, 0)},
     * {@code loss = (1 − y)·x + l·softplus(−x)}, which equals {@code −[w_p·y·log σ(x) + (1 − y)·log(1 − σ(x))]}
     * without ever forming log σ. {@code posWeight} (null for none) broadcasts against the input, typically
     * one weight per class (C); as in PyTorch it is a constant, not differentiable.
     *
     * <p>Backward: {@code dx = (1 − y) − l·σ(−x)} (= σ(x) − y without posWeight) and
     * {@code dy = −x + (posWeight − 1)·softplus(−x)}, each times the incoming gradient.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor posWeight, Reduction reduction) {
        checkSameShape("binary_cross_entropy_with_logits", input, target);
        if (posWeight != null && posWeight.requiresGrad())
            throw new IllegalArgumentException("binary_cross_entropy_with_logits: not differentiable with respect to"
                    + " pos_weight; pass a tensor that does not require grad");
        Tensor x = input.detach(), y = target.detach();
        Tensor softplusNegX, weightOfPositive, loss;
        try (NoGrad ignored = NoGrad.enter()) {
            softplusNegX = x.abs().neg().exp().add(1.0).log().add(x.neg().relu());
            weightOfPositive = posWeight == null ? null : posWeight.sub(1.0).mul(y).add(1.0);
            Tensor weighted = weightOfPositive == null ? softplusNegX : weightOfPositive.mul(softplusNegX);
            loss = y.neg().add(1.0).mul(x).add(weighted);
            if (!Arrays.equals(loss.shape(), input.shape()))
                throw new IllegalArgumentException("binary_cross_entropy_with_logits: pos_weight of shape "
                        + Shape.str(posWeight.shape()) + " does not broadcast to the input's shape " + Shape.str(input.shape()));
        }
        Tensor perElement = Autograd.record("binary_cross_entropy_with_logits", loss, new Tensor[] {input, target},
                saved(x, y, posWeight, softplusNegX), g -> {
                    Tensor sigmoidNegX = x.neg().sigmoid();
                    Tensor dx = input.requiresGrad() ? y.neg().add(1.0)
                            .sub(weightOfPositive == null ? sigmoidNegX : weightOfPositive.mul(sigmoidNegX)).mul(g) : null;
                    Tensor dy = target.requiresGrad()
                            ? (posWeight == null ? x.neg() : x.neg().add(posWeight.sub(1.0).mul(softplusNegX))).mul(g) : null;
                    return new Tensor[] {dx, dy};
                });
        return reduction.apply(perElement);
    }

    // =============================================================================================
    // helpers

    private static int lastDim(String op, Tensor x) {
        if (x.rank() == 0) throw new IllegalArgumentException(op + ": needs at least one dimension, got a scalar");
        if (x.dtype() != DType.F32 && x.dtype() != DType.F64)
            throw new IllegalArgumentException(op + ": needs a float32 or float64 input, got " + x.dtype());
        return x.size(-1);
    }

    private static void checkVector(String op, String name, Tensor v, Tensor x, int n) {
        if (v == null) return;
        if (v.rank() != 1 || v.size(0) != n)
            throw new IllegalArgumentException(op + ": " + name + " of shape " + Shape.str(v.shape())
                    + " does not match the last dimension of the input " + Shape.str(x.shape()));
        if (v.dtype() != x.dtype())
            throw new IllegalArgumentException(op + ": " + name + " is " + v.dtype() + " but the input is " + x.dtype());
    }

    private static void checkSameShape(String op, Tensor input, Tensor target) {
        if (!Arrays.equals(input.shape(), target.shape()))
            throw new IllegalArgumentException(op + ": input of shape " + Shape.str(input.shape())
                    + " and target of shape " + Shape.str(target.shape()) + " differ");
    }

    /** The targets as longs, after checking their shape (the logits' without the class dim) and range. */
    private static long[] checkTargets(String op, Tensor logits, Tensor targets, int classes, int ignoreIndex) {
        if (targets.dtype() != DType.I64 && targets.dtype() != DType.I32)
            throw new IllegalArgumentException(op + ": targets must be class indices (I32 or I64), got " + targets.dtype());
        int[] ls = logits.shape();
        if (!Arrays.equals(targets.shape(), Arrays.copyOf(ls, ls.length - 1)))
            throw new IllegalArgumentException(op + ": targets of shape " + Shape.str(targets.shape())
                    + " do not match logits of shape " + Shape.str(ls) + " (expected " + Shape.str(Arrays.copyOf(ls, ls.length - 1)) + ")");
        long[] t = targets.toLongArray();
        for (int i = 0; i < t.length; i++)
            if (t[i] != ignoreIndex && (t[i] < 0 || t[i] >= classes))
                throw new IllegalArgumentException(op + ": target " + t[i] + " at position " + i
                        + " is out of range for " + classes + " classes (ignore index " + ignoreIndex + ")");
        return t;
    }

    private static long countValid(long[] t, int ignoreIndex) {
        long n = 0;
        for (long v : t) if (v != ignoreIndex) n++;
        return n;
    }

    /** Per-row losses reduced without recording a graph (the caller records one node for the whole loss). */
    private static Tensor reduceRows(Tensor loss, Reduction reduction, long valid, int[] targetShape) {
        return switch (reduction) {
            case NONE -> loss.reshape(targetShape);
            case SUM -> loss.sum();
            case MEAN -> loss.sum().div((double) valid);
        };
    }

    /** The incoming gradient of each row: g itself (NONE), g broadcast (SUM), or g/count broadcast (MEAN). */
    private static Tensor rowGradient(Tensor g, Reduction reduction, long valid, int rows) {
        return switch (reduction) {
            case NONE -> g.contiguous().reshape(rows);
            case SUM -> g.reshape(1).expand(rows).contiguous();
            case MEAN -> g.div((double) valid).reshape(1).expand(rows).contiguous();
        };
    }

    /** {@code x} as a contiguous (rows, n) tensor outside the graph (a view when x is contiguous). */
    private static Tensor rows2d(Tensor x, int rows, int n) {
        return x.detach().contiguous().reshape(rows, n);
    }

    private static boolean wants(Tensor t) {
        return t != null && t.requiresGrad();
    }

    /** The non-null tensors, for Autograd.record's saved list. */
    private static Tensor[] saved(Tensor... ts) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : ts) if (t != null) out.add(t);
        return out.toArray(new Tensor[0]);
    }
}
