package dev.jgrad.optim.train;

/** Training produced NaN or infinity: the message names the step and the tensor. */
public final class NonFiniteException extends RuntimeException {

    private final int step;
    private final String tensor;

    public NonFiniteException(int step, String tensor, String detail) {
        super("non-finite value at step " + step + " in " + tensor + ": " + detail);
        this.step = step;
        this.tensor = tensor;
    }

    public int step() {
        return step;
    }

    /** "loss" or the dotted path of the parameter whose gradient is not finite. */
    public String tensor() {
        return tensor;
    }
}
