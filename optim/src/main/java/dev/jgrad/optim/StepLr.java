package dev.jgrad.optim;

/** PyTorch's {@code StepLR}: the rate is multiplied by {@code gamma} every {@code stepSize} steps: {@code lr₀·γ^⌊t/stepSize⌋}. */
public class StepLr extends LrScheduler {

    private final int stepSize;
    private final double gamma;

    public StepLr(Optimizer<?> optimizer, int stepSize, double gamma) {
        super(optimizer);
        if (stepSize <= 0) throw new IllegalArgumentException("StepLr: stepSize must be positive, got " + stepSize);
        this.stepSize = stepSize;
        this.gamma = gamma;
        start();
    }

    @Override
    protected double lrAt(int epoch, double baseLr) {
        return baseLr * Math.pow(gamma, epoch / stepSize);
    }
}
