package dev.jgrad.optim.search;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Decides, from the validation losses a running trial has reported so far and the trials before it, whether to
 * stop it now (lower is better). Both pruners follow Optuna's semantics.
 */
public sealed interface Pruner {

    /**
     * @param intermediate the running trial's reports so far, step to value (its latest report is the last key)
     * @param finished     the trials before it, in order
     */
    boolean shouldPrune(SortedMap<Integer, Double> intermediate, List<Trial> finished);

    /** Never prunes. */
    record None() implements Pruner {
        public boolean shouldPrune(SortedMap<Integer, Double> intermediate, List<Trial> finished) {
            return false;
        }
    }

    /**
     * Optuna's {@code MedianPruner}: once {@code startupTrials} trials have completed, and from step
     * {@code warmupSteps} on, a trial is pruned when the best value it has reported so far is worse than the median
     * of the values the completed trials reported at the same step.
     */
    record Median(int startupTrials, int warmupSteps) implements Pruner {
        public Median {
            if (startupTrials < 0 || warmupSteps < 0) throw new IllegalArgumentException("startup and warmup must be >= 0");
        }

        public boolean shouldPrune(SortedMap<Integer, Double> intermediate, List<Trial> finished) {
            if (intermediate.isEmpty()) return false;
            int step = intermediate.lastKey();
            if (step < warmupSteps) return false;
            List<Double> atStep = new ArrayList<>();
            int completed = 0;
            for (Trial t : finished) {
                if (t.state() != Trial.State.COMPLETE) continue;
                completed++;
                Double v = t.intermediate().get(step);
                if (v != null && !v.isNaN()) atStep.add(v);
            }
            if (completed < startupTrials || atStep.isEmpty()) return false;
            double best = Double.POSITIVE_INFINITY;
            for (double v : intermediate.values()) {
                if (Double.isNaN(v)) return true;
                best = Math.min(best, v);
            }
            return best > median(atStep);
        }

        /** numpy's 50th percentile: the middle value, or the mean of the two middle ones. */
        static double median(List<Double> values) {
            List<Double> s = new ArrayList<>(values);
            Collections.sort(s);
            int n = s.size();
            return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
        }
    }

    /**
     * Asynchronous successive halving (ASHA; Li et al., 2020), as Optuna's {@code SuccessiveHalvingPruner} with
     * {@code min_early_stopping_rate = 0}. Rung {@code r} sits at step {@code minResource * reductionFactor^r}.
     * When a trial first reports at or beyond a rung's step, that value is its score at the rung, and it goes on
     * only if the score is among the best {@code 1/reductionFactor} of the scores every trial so far recorded at
     * that rung, itself included (while fewer than {@code reductionFactor} trials have reached the rung, only
     * the best one goes on). A run of {@code S} steps thus spends full length only on the few trials that led at
     * every rung.
     *
     * @param minResource step of the first rung (the evaluation interval is the natural choice)
     */
    record SuccessiveHalving(int minResource, int reductionFactor) implements Pruner {
        public SuccessiveHalving {
            if (minResource < 1) throw new IllegalArgumentException("minResource must be >= 1, got " + minResource);
            if (reductionFactor < 2) throw new IllegalArgumentException("reductionFactor must be >= 2, got " + reductionFactor);
        }

        public boolean shouldPrune(SortedMap<Integer, Double> intermediate, List<Trial> finished) {
            if (intermediate.isEmpty()) return false;
            int step = intermediate.lastKey();
            double value = intermediate.get(step);
            int rung = rungsPassed(intermediate.headMap(step));
            while (step >= rungStep(rung)) {
                if (Double.isNaN(value)) return true;
                List<Double> competing = new ArrayList<>();
                for (Trial t : finished) {
                    Double v = rungValue(t.intermediate(), rung);
                    if (v != null && !v.isNaN()) competing.add(v);
                }
                competing.add(value);
                Collections.sort(competing);
                int promotable = Math.max(0, competing.size() / reductionFactor - 1);
                if (value > competing.get(promotable)) return true;
                rung++;
            }
            return false;
        }

        long rungStep(int rung) {
            return minResource * (long) Math.pow(reductionFactor, rung);
        }

        /** How many rungs a trial with these earlier reports has already passed. */
        private int rungsPassed(SortedMap<Integer, Double> earlier) {
            if (earlier.isEmpty()) return 0;
            int last = earlier.lastKey(), rung = 0;
            while (last >= rungStep(rung)) rung++;
            return rung;
        }

        /** A trial's score at a rung: its first report at or beyond the rung's step (null if it never got there). */
        private Double rungValue(SortedMap<Integer, Double> reports, int rung) {
            long at = rungStep(rung);
            for (Map.Entry<Integer, Double> e : reports.entrySet()) if (e.getKey() >= at) return e.getValue();
            return null;
        }
    }
}
