package dev.jgrad.optim.search;

import java.util.Map;

/**
 * One finished trial.
 *
 * @param index   0-based order of the trial (tables and files number trials from 1: {@code index + 1})
 * @param params  the hyperparameters it ran with
 * @param metric  the validation metric it reached (lower is better); NaN if it failed
 * @param steps   training steps it ran
 * @param seconds wall time
 * @param note    "early stop", "completed", or the failure message
 */
public record Trial(int index, Map<String, Object> params, double metric, int steps, double seconds, String note) {

    /** What a trial function reports back. */
    public record Outcome(double metric, int steps, String note) {}
}
