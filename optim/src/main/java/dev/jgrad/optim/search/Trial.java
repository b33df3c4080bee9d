package dev.jgrad.optim.search;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One finished trial.
 *
 * @param index        0-based order of the trial (tables and files number trials from 1: {@code index + 1})
 * @param params       the hyperparameters it ran with
 * @param metric       the validation metric it reached (lower is better): for a pruned trial the value it last
 *                     reported; NaN if it failed
 * @param steps        training steps it ran
 * @param seconds      wall time
 * @param note         "early stop", "completed", "pruned at step N", or the failure message
 * @param state        how it ended
 * @param intermediate the validation metric it reported at each step (what pruners judge it by)
 */
public record Trial(int index, Map<String, Object> params, double metric, int steps, double seconds, String note,
                    State state, SortedMap<Integer, Double> intermediate) {

    /** How a trial ended. */
    public enum State { COMPLETE, PRUNED, FAILED }

    public Trial {
        intermediate = Collections.unmodifiableSortedMap(new TreeMap<>(intermediate));
    }

    /** A trial without intermediate values: complete, or failed when {@code metric} is NaN. */
    public Trial(int index, Map<String, Object> params, double metric, int steps, double seconds, String note) {
        this(index, params, metric, steps, seconds, note, Double.isNaN(metric) ? State.FAILED : State.COMPLETE,
                new TreeMap<>());
    }

    /** What a trial function reports back. */
    public record Outcome(double metric, int steps, String note) {}
}
