package dev.jgrad.examples.course.exercises;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** What the checkers of chapters 6–10 share: run one exercise, record a failure message when it is wrong or throws. */
final class Checks6to10 {

    private Checks6to10() {}

    /** Records a failure unless {@code actual} returns a value within {@code tolerance} of {@code expected}. */
    static void near(List<String> failures, String what, double expected, Callable<? extends Number> actual, double tolerance) {
        try {
            double got = actual.call().doubleValue();
            if (!(Math.abs(got - expected) <= tolerance))
                failures.add(String.format(Locale.ROOT, "%s: expected %.6f, got %.6f", what, expected, got));
        } catch (Exception | Error e) {
            failures.add(what + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Records a failure unless {@code test} returns true; {@code what} says what was expected. */
    static void that(List<String> failures, String what, Callable<Boolean> test) {
        try {
            if (!test.call()) failures.add(what);
        } catch (Exception | Error e) {
            failures.add(what + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
