package dev.jgrad.examples.course.exercises;

import java.util.ArrayList;
import java.util.List;

/** Checks a learner's {@link Exercises06} against values worked out by hand. */
public final class Check06 {

    private Check06() {}

    /** Failure messages; empty when every exercise passes. */
    public static List<String> check(Exercises06 s) {
        List<String> failures = new ArrayList<>();
        // With biases: 12C² + 13C (GPT-2 small, C = 768: 7,087,872 per block). Without: 12C² + 2C (LayerNorm weights).
        Checks6to10.near(failures, "6.1 gptBlockParameters(768, true)", 7_087_872, () -> s.gptBlockParameters(768, true), 0);
        Checks6to10.near(failures, "6.1 gptBlockParameters(32, true)", 12_704, () -> s.gptBlockParameters(32, true), 0);
        Checks6to10.near(failures, "6.1 gptBlockParameters(32, false)", 12_352, () -> s.gptBlockParameters(32, false), 0);
        float[] x = {1f, 2f, 3f, 4f};
        boolean[] keep = {true, false, true, false};
        float[] want = {2f, 0f, 6f, 0f};
        for (int i = 0; i < 4; i++) {
            int at = i;
            Checks6to10.near(failures, "6.2 dropout(p=0.5)[" + i + "]", want[i], () -> s.dropout(x.clone(), keep, 0.5)[at], 1e-6);
        }
        Checks6to10.near(failures, "6.2 dropout(p=0.2) scales kept values by 1.25", 1.25, () -> s.dropout(new float[]{1f}, new boolean[]{true}, 0.2)[0], 1e-6);
        double[] curve = {4.0, 3.0, 2.9, 2.95, 3.1, 3.3};
        Checks6to10.near(failures, "6.3 earlyStopIndex({4, 3, 2.9, 2.95, 3.1, 3.3}, patience 2)", 4, () -> s.earlyStopIndex(curve, 2, 0), 0);
        Checks6to10.near(failures, "6.3 earlyStopIndex(..., patience 1, minDelta 0.2) (2.9 is not enough better than 3.0)", 2,
                () -> s.earlyStopIndex(curve, 1, 0.2), 0);
        Checks6to10.near(failures, "6.3 a falling curve never stops early", 2, () -> s.earlyStopIndex(new double[]{3, 2, 1}, 1, 0), 0);
        return failures;
    }
}
