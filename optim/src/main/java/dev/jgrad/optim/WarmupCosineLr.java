package dev.jgrad.optim;

/**
 * Linear warmup then cosine decay to a floor: nanoGPT's {@code get_lr(it)}, with {@code learning_rate} the
 * group's initial rate:
 *
 * <pre>
 * if it &lt; warmup_iters:   lr = learning_rate · (it + 1) / (warmup_iters + 1)
 * elif it &gt; lr_decay_iters: lr = min_lr
 * else:
 *     decay_ratio = (it − warmup_iters) / (lr_decay_iters − warmup_iters)      ∈ [0, 1]
 *     coeff = ½ (1 + cos(π · decay_ratio))                                       1 → 0
 *     lr = min_lr + coeff · (learning_rate − min_lr)
 * </pre>
 */
public class WarmupCosineLr extends LrScheduler {

    private final int warmupIters, lrDecayIters;
    private final double minLr;

    public WarmupCosineLr(Optimizer<?> optimizer, int warmupIters, int lrDecayIters, double minLr) {
        super(optimizer);
        if (warmupIters < 0 || lrDecayIters <= warmupIters)
            throw new IllegalArgumentException("WarmupCosineLr: need 0 <= warmupIters < lrDecayIters, got "
                    + warmupIters + " and " + lrDecayIters);
        if (!(minLr >= 0)) throw new IllegalArgumentException("WarmupCosineLr: minLr must be >= 0, got " + minLr);
        this.warmupIters = warmupIters;
        this.lrDecayIters = lrDecayIters;
        this.minLr = minLr;
        start();
    }

    @Override
    protected double lrAt(int it, double learningRate) {
        if (it < warmupIters) return learningRate * (it + 1) / (warmupIters + 1);
        if (it > lrDecayIters) return minLr;
        double decayRatio = (double) (it - warmupIters) / (lrDecayIters - warmupIters);
        double coeff = 0.5 * (1.0 + Math.cos(Math.PI * decayRatio));
        return minLr + coeff * (learningRate - minLr);
    }
}
