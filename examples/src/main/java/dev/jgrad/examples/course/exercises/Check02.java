package dev.jgrad.examples.course.exercises;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Checks a solution to chapter 2's exercises against values worked out by hand. */
public final class Check02 {

    private Check02() {}

    /** The failures (empty when every exercise passes); an exercise that throws fails with its message. */
    public static List<String> check(Exercises02 solution) {
        List<String> failures = new ArrayList<>();
        Checks.run(failures, "2.1 contiguousStrides", () -> {
            same("strides of [2, 3, 4]", new int[] {12, 4, 1}, solution.contiguousStrides(new int[] {2, 3, 4}));
            same("strides of [5]", new int[] {1}, solution.contiguousStrides(new int[] {5}));
            same("strides of [3, 1, 2]", new int[] {2, 2, 1}, solution.contiguousStrides(new int[] {3, 1, 2}));
        });
        Checks.run(failures, "2.2 broadcastShape", () -> {
            same("[3, 1] with [4]", new int[] {3, 4}, solution.broadcastShape(new int[] {3, 1}, new int[] {4}));
            same("[2, 1, 5] with [3, 1]", new int[] {2, 3, 5}, solution.broadcastShape(new int[] {2, 1, 5}, new int[] {3, 1}));
            same("[] with [2, 2]", new int[] {2, 2}, solution.broadcastShape(new int[] {}, new int[] {2, 2}));
            try {
                solution.broadcastShape(new int[] {3}, new int[] {4});
                throw new Checks.Failure("[3] with [4] must throw IllegalArgumentException");
            } catch (IllegalArgumentException expected) {
                // right
            }
        });
        Checks.run(failures, "2.3 softmaxBackward", () -> {
            // y = (0.5, 0.25, 0.25), g = (1, 0, 0): Σ g·y = 0.5, so dx = (0.5·0.5, 0.25·(−0.5), 0.25·(−0.5))
            double[][] dx = solution.softmaxBackward(new double[][] {{0.5, 0.25, 0.25}, {0.2, 0.8, 0}},
                    new double[][] {{1, 0, 0}, {3, 3, 3}});
            double[][] expected = {{0.25, -0.125, -0.125}, {0, 0, 0}};   // a constant g changes nothing: softmax ignores shifts
            for (int i = 0; i < 2; i++)
                for (int k = 0; k < 3; k++) Checks.close("dx[" + i + "][" + k + "]", expected[i][k], dx[i][k], 1e-12);
        });
        return failures;
    }

    private static void same(String what, int[] expected, int[] actual) {
        if (!Arrays.equals(expected, actual))
            throw new Checks.Failure(what + ": expected " + Arrays.toString(expected) + ", got " + Arrays.toString(actual));
    }
}
