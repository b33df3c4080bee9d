package dev.jgrad.examples.course.exercises;

import java.util.ArrayList;
import java.util.List;

/** Checks a solution to chapter 3's exercises against values worked out by hand. */
public final class Check03 {

    private Check03() {}

    /** The failures (empty when every exercise passes); an exercise that throws fails with its message. */
    public static List<String> check(Exercises03 solution) {
        List<String> failures = new ArrayList<>();
        Checks.run(failures, "3.1 momentumStep", () -> {
            double[] p = {1, -2}, v = {0.5, 0}, g = {2, -4};
            solution.momentumStep(p, v, g, 0.1, 0.9);
            // v = 0.9·(0.5, 0) + (2, −4) = (2.45, −4); p = (1, −2) − 0.1·v = (0.755, −1.6)
            Checks.close("velocity[0]", 2.45, v[0], 1e-12);
            Checks.close("velocity[1]", -4, v[1], 1e-12);
            Checks.close("param[0]", 0.755, p[0], 1e-12);
            Checks.close("param[1]", -1.6, p[1], 1e-12);
        });
        Checks.run(failures, "3.2 adamStep", () -> {
            double[] p = {1, 1}, m = {0, 0}, v = {0, 0};
            solution.adamStep(p, m, v, new double[] {4, -0.001}, 1, 0.01, 0.9, 0.999, 1e-8);
            // first step: m̂ = g, v̂ = g², so each parameter moves by lr·g/(|g| + eps) ≈ ±lr
            Checks.close("m[0] after step 1", 0.4, m[0], 1e-12);
            Checks.close("v[0] after step 1", 0.016, v[0], 1e-12);
            Checks.close("param[0] after step 1", 1 - 0.01 * 4 / (4 + 1e-8), p[0], 1e-12);
            Checks.close("param[1] after step 1", 1 + 0.01 * 0.001 / (0.001 + 1e-8), p[1], 1e-12);
            // second step with g = 0 for parameter 0: m = 0.36, v = 0.015984, m̂ = 0.36/0.19, v̂ = 0.015984/0.001999
            solution.adamStep(p, m, v, new double[] {0, -0.001}, 2, 0.01, 0.9, 0.999, 1e-8);
            double mHat = 0.36 / 0.19, vHat = 0.015984 / (1 - 0.999 * 0.999);
            Checks.close("m[0] after step 2", 0.36, m[0], 1e-12);
            Checks.close("param[0] after step 2", 1 - 0.01 * 4 / (4 + 1e-8) - 0.01 * mHat / (Math.sqrt(vHat) + 1e-8), p[0], 1e-12);
        });
        Checks.run(failures, "3.3 accuracy", () -> {
            double[][] logits = {{2, 1, 0}, {0, 3, 1}, {0.5, 0.2, 0.9}, {1, 0, -1}};
            Checks.close("accuracy with labels 0, 1, 2, 2", 0.75, solution.accuracy(logits, new int[] {0, 1, 2, 2}), 1e-12);
            Checks.close("accuracy with labels 1, 0, 0, 1", 0, solution.accuracy(logits, new int[] {1, 0, 0, 1}), 1e-12);
        });
        return failures;
    }
}
