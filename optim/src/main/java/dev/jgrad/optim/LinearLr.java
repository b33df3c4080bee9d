package dev.jgrad.optim;

/**
 * PyTorch's {@code LinearLR}: the factor on the initial rate moves linearly from {@code startFactor} to
 * {@code endFactor} over {@code totalIters} steps and then stays: {@code lr₀·(s + (e − s)·min(t, T)/T)}.
 * A linear warmup is {@code (0.1, 1.0, T)}, a linear decay {@code (1.0, 0.0, T)}.
 */
public class LinearLr extends LrScheduler {

    private final double startFactor, endFactor;
    private final int totalIters;

    public LinearLr(Optimizer<?> optimizer, double startFactor, double endFactor, int totalIters) {
        super(optimizer);
        if (!(startFactor > 0 && startFactor <= 1))
            throw new IllegalArgumentException("LinearLr: startFactor must be in (0, 1], got " + startFactor);
        if (!(endFactor >= 0 && endFactor <= 1))
            throw new IllegalArgumentException("LinearLr: endFactor must be in [0, 1], got " + endFactor);
        if (totalIters <= 0) throw new IllegalArgumentException("LinearLr: totalIters must be positive, got " + totalIters);
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        start();
    }

    @Override
    protected double lrAt(int epoch, double baseLr) {
        return baseLr * (startFactor + (endFactor - startFactor) * Math.min(totalIters, epoch) / totalIters);
    }
}
