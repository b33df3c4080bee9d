package dev.jgrad.optim.search;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pruning decisions worked out by hand from Optuna's rules. */
class PrunerTest {

    private static SortedMap<Integer, Double> curve(Object... stepValue) {
        TreeMap<Integer, Double> m = new TreeMap<>();
        for (int i = 0; i < stepValue.length; i += 2) m.put((Integer) stepValue[i], ((Number) stepValue[i + 1]).doubleValue());
        return m;
    }

    private static Trial trial(int index, Trial.State state, SortedMap<Integer, Double> curve) {
        return new Trial(index, Map.of(), curve.get(curve.lastKey()), curve.lastKey(), 0, "", state, curve);
    }

    @Test
    void medianComparesTheBestSoFarWithTheMedianOfCompletedTrialsAtTheSameStep() {
        Pruner median = new Pruner.Median(2, 0);
        List<Trial> two = List.of(trial(0, Trial.State.COMPLETE, curve(10, 1.0, 20, 0.8)),
                trial(1, Trial.State.COMPLETE, curve(10, 2.0, 20, 1.6)),
                trial(2, Trial.State.PRUNED, curve(10, 0.1, 20, 0.1))); // pruned trials do not count
        assertFalse(median.shouldPrune(curve(10, 1.4), two));           // median at 10: 1.5
        assertTrue(median.shouldPrune(curve(10, 1.6), two));
        assertTrue(median.shouldPrune(curve(10, 1.4, 20, 1.3), two));   // best 1.3 > median at 20: 1.2
        assertFalse(median.shouldPrune(curve(10, 1.9, 20, 1.15), two)); // best 1.15 <= 1.2
        assertFalse(median.shouldPrune(curve(30, 9.0), two));           // nobody reported at 30
        assertFalse(median.shouldPrune(curve(10, 9.0), two.subList(0, 1)), "fewer completed trials than the startup");
        assertFalse(new Pruner.Median(2, 15).shouldPrune(curve(10, 9.0), two), "within the warmup");
    }

    @Test
    void successiveHalvingPromotesTheTopFractionAtEachRung() {
        Pruner asha = new Pruner.SuccessiveHalving(10, 2);          // rungs at steps 10, 20, 40, ...
        List<Trial> before = List.of(trial(0, Trial.State.COMPLETE, curve(10, 1.0, 20, 0.9, 40, 0.8)),
                trial(1, Trial.State.PRUNED, curve(10, 2.0)));
        // rung 0 holds 1.0, 2.0 and the newcomer: 3 // 2 - 1 = index 0, so only the best goes on
        assertTrue(asha.shouldPrune(curve(10, 1.5), before));
        assertFalse(asha.shouldPrune(curve(10, 0.5), before));
        // at rung 1 the newcomer meets trial 0's 0.9: 2 // 2 - 1 = index 0 again
        assertTrue(asha.shouldPrune(curve(10, 0.5, 20, 0.95), before));
        assertFalse(asha.shouldPrune(curve(10, 0.5, 20, 0.85), before));
        // a report between rungs decides nothing
        assertFalse(asha.shouldPrune(curve(10, 0.5, 15, 5.0), before));
        // with four scores at rung 0 the best two go on (4 // 2 - 1 = index 1)
        List<Trial> more = List.of(trial(0, Trial.State.COMPLETE, curve(10, 1.0)), trial(1, Trial.State.PRUNED, curve(10, 2.0)),
                trial(2, Trial.State.PRUNED, curve(10, 3.0)));
        assertFalse(asha.shouldPrune(curve(10, 1.5), more));  // sorted 1.0, 1.5, 2.0, 3.0: 1.5 is second
        assertTrue(asha.shouldPrune(curve(10, 2.5), more));
        // a first report beyond several rungs is judged at each of them with the same value
        assertTrue(asha.shouldPrune(curve(45, 0.85), List.of(trial(0, Trial.State.COMPLETE, curve(10, 1.0, 20, 0.9, 40, 0.8)))));
        assertTrue(asha.shouldPrune(curve(10, Double.NaN), before), "a NaN loss is pruned");
    }
}
