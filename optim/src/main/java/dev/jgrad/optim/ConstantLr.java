package dev.jgrad.optim;

/**
 * PyTorch's {@code ConstantLR}: the rate is {@code factor·lr₀} for the first {@code totalIters} steps, then
 * {@code lr₀}. With factor 1 it is a constant schedule.
 */
public class ConstantLr extends LrScheduler {

    private final double factor;
    private final int totalIters;

    /** A constant learning rate (factor 1). */
    public ConstantLr(Optimizer<?> optimizer) {
        this(optimizer, 1.0, 0);
    }

    public ConstantLr(Optimizer<?> optimizer, double factor, int totalIters) {
        super(optimizer);
        if (!(factor >= 0 && factor <= 1)) throw new IllegalArgumentException("ConstantLr: factor must be in [0, 1], got " + factor);
        if (totalIters < 0) throw new IllegalArgumentException("ConstantLr: totalIters must be >= 0, got " + totalIters);
        this.factor = factor;
        this.totalIters = totalIters;
        start();
    }

    @Override
    protected double lrAt(int epoch, double baseLr) {
        return epoch < totalIters ? baseLr * factor : baseLr;
    }
}
