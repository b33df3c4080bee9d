package dev.jgrad.examples.course.exercises;

import java.util.ArrayList;
import java.util.List;

/** Checks a learner's {@link Exercises07} against values worked out by hand. */
public final class Check07 {

    private Check07() {}

    /** Failure messages; empty when every exercise passes. */
    public static List<String> check(Exercises07 s) {
        List<String> failures = new ArrayList<>();
        float[] logits = {2.0f, 1.0f, 0.5f, 0.0f, -1.0f};
        // softmax(logits / 0.5) = exp(2·l) / Σ exp(2·l), written out.
        double z = Math.exp(4) + Math.exp(2) + Math.exp(1) + Math.exp(0) + Math.exp(-2);
        for (int i = 0; i < 5; i++) {
            int at = i;
            double[] l2 = {4, 2, 1, 0, -2};
            Checks6to10.near(failures, "7.1 softmax(T=0.5)[" + i + "]", Math.exp(l2[i]) / z,
                    () -> s.softmaxWithTemperature(logits, 0.5)[at], 1e-9);
        }
        Checks6to10.near(failures, "7.1 softmax of large logits stays finite", 0.5,
                () -> s.softmaxWithTemperature(new float[]{1000f, 1000f}, 1.0)[0], 1e-12);
        double[] probs = {0.1, 0.4, 0.3, 0.2};
        // sorted 0.4, 0.3 (0.7 < 0.75), 0.2 (0.9 >= 0.75): keep ids 1, 2, 3; mass 0.9.
        double[] expected = {0, 0.4 / 0.9, 0.3 / 0.9, 0.2 / 0.9};
        for (int i = 0; i < 4; i++) {
            int at = i;
            Checks6to10.near(failures, "7.2 topP(p=0.75)[" + i + "]", expected[i], () -> s.topP(probs.clone(), 0.75)[at], 1e-9);
        }
        Checks6to10.near(failures, "7.2 topP(p=0.1) keeps the most likely token alone", 1.0, () -> s.topP(probs.clone(), 0.1)[1], 1e-12);
        Checks6to10.near(failures, "7.3 positionsWithoutCache(4, 6)", 39, () -> s.positionsWithoutCache(4, 6), 0);
        Checks6to10.near(failures, "7.3 positionsWithoutCache(100, 100)", 14950, () -> s.positionsWithoutCache(100, 100), 0);
        Checks6to10.near(failures, "7.4 positionsWithCache(4, 6)", 9, () -> s.positionsWithCache(4, 6), 0);
        Checks6to10.near(failures, "7.4 positionsWithCache(100, 100)", 199, () -> s.positionsWithCache(100, 100), 0);
        return failures;
    }
}
