package dev.jgrad.examples.course.exercises;

import java.util.List;

/** What the chapters' checkers share: run one exercise, turning a wrong answer or an exception into a failure line. */
final class Checks {

    private Checks() {}

    /** A check that failed, with the reason to show the learner. */
    static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message);
        }
    }

    /** The body of one exercise's check. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body}; adds {@code "<exercise>: <reason>"} to {@code failures} if it fails or throws. */
    static void run(List<String> failures, String exercise, Body body) {
        try {
            body.run();
        } catch (Failure f) {
            failures.add(exercise + ": " + f.getMessage());
        } catch (Exception | AssertionError | StackOverflowError e) {
            failures.add(exercise + ": " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
        }
    }

    static void close(String what, double expected, double actual, double tolerance) {
        if (!(Math.abs(expected - actual) <= tolerance))
            throw new Failure(String.format("%s: expected %.6g, got %.6g", what, expected, actual));
    }

    static void isTrue(String what, boolean ok) {
        if (!ok) throw new Failure(what);
    }
}
