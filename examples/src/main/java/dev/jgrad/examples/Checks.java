package dev.jgrad.examples;

/**
 * Checks of option values, each failing with a message that names the option: {@code --lr Infinity} or
 * {@code --patience -1} is refused before anything runs, not met as a NaN loss or an endless loop later.
 */
public final class Checks {

    /** The most validation batches one evaluation may take: beyond it an evaluation outlasts any useful run. */
    public static final int MAX_EVAL_BATCHES = 10_000;
    /** The most micro-batches one optimizer step may accumulate. */
    public static final int MAX_GRAD_ACCUM = 1_024;

    private Checks() {}

    /** A finite number greater than 0. */
    public static double positive(String option, double v) {
        if (!(v > 0) || Double.isInfinite(v))
            throw new IllegalArgumentException(option + " must be a finite number greater than 0, got " + v);
        return v;
    }

    /** A finite number at least 0. */
    public static double nonNegative(String option, double v) {
        if (!(v >= 0) || Double.isInfinite(v))
            throw new IllegalArgumentException(option + " must be a finite number >= 0, got " + v);
        return v;
    }

    /** A number in [0, 1). */
    public static double fraction(String option, double v) {
        if (!(v >= 0 && v < 1)) throw new IllegalArgumentException(option + " must be in [0, 1), got " + v);
        return v;
    }

    /** An integer in [min, max]. */
    public static int range(String option, int v, int min, int max) {
        if (v < min || v > max)
            throw new IllegalArgumentException(option + " must be " + (max == Integer.MAX_VALUE ? ">= " + min
                    : "in [" + min + ", " + max + "]") + ", got " + v);
        return v;
    }
}
