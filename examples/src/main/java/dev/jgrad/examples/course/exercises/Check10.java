package dev.jgrad.examples.course.exercises;

import java.util.ArrayList;
import java.util.List;

/** Checks a learner's {@link Exercises10} against hand-computed values. */
public final class Check10 {

    private Check10() {}

    /** Failure messages; empty when every exercise passes. */
    public static List<String> check(Exercises10 s) {
        List<String> failures = new ArrayList<>();
        Checks6to10.near(failures, "10.1 perplexity of {1/4,1/4,1/4,1/4}", 4.0, () -> s.perplexity(new double[]{0.25, 0.25, 0.25, 0.25}), 1e-9);
        Checks6to10.near(failures, "10.1 perplexity of {1/2,1/8}", 4.0, () -> s.perplexity(new double[]{0.5, 0.125}), 1e-9);
        Checks6to10.near(failures, "10.2 f1(3, 2, 1)", 2.0 / 3, () -> s.f1(3, 2, 1), 1e-9);
        Checks6to10.near(failures, "10.2 f1(0, 0, 0)", 0.0, () -> s.f1(0, 0, 0), 0);
        Checks6to10.near(failures, "10.2 f1(5, 0, 5)", 2.0 / 3, () -> s.f1(5, 0, 5), 1e-9);
        Checks6to10.near(failures, "10.3 mae", 0.5, () -> s.mae(new double[]{3, -0.5, 2, 7}, new double[]{2.5, 0, 2, 8}), 1e-12);
        return failures;
    }
}
