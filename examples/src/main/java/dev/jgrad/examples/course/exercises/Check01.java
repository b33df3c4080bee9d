package dev.jgrad.examples.course.exercises;

import dev.jgrad.examples.course.Value;

import java.util.ArrayList;
import java.util.List;

/** Checks a solution to chapter 1's exercises against values worked out by hand. */
public final class Check01 {

    private Check01() {}

    /** The failures (empty when every exercise passes); an exercise that throws fails with its message. */
    public static List<String> check(Exercises01 solution) {
        List<String> failures = new ArrayList<>();
        Checks.run(failures, "1.1 sigmoid", () -> {
            for (double x : new double[] {-2, 0, 0.5, 3}) {
                Value v = new Value(x);
                Value s = solution.sigmoid(v);
                s.backward();
                double expected = 1 / (1 + Math.exp(-x));
                Checks.close("sigmoid(" + x + ")", expected, s.data(), 1e-12);
                Checks.close("d sigmoid/dx at " + x, expected * (1 - expected), v.grad(), 1e-12);
            }
        });
        Checks.run(failures, "1.2 centralDifference", () -> {
            Checks.close("d/dx x^3 at 2 with h=0.5 (exactly 12.25)", 12.25, solution.centralDifference(x -> x * x * x, 2, 0.5), 1e-12);
            Checks.close("d/dx sin at 1 with h=1e-5", Math.cos(1), solution.centralDifference(Math::sin, 1, 1e-5), 1e-9);
        });
        Checks.run(failures, "1.3 meanSquaredError", () -> {
            List<Value> p = List.of(new Value(1), new Value(-2), new Value(0.5));
            Value loss = solution.meanSquaredError(p, new double[] {0, 1, 0.5});
            loss.backward();
            Checks.close("MSE of [1,-2,0.5] against [0,1,0.5]", 10.0 / 3, loss.data(), 1e-12);
            double[] grads = {2.0 / 3, -2.0, 0};   // 2(p_i - t_i)/n
            for (int i = 0; i < 3; i++) Checks.close("dMSE/dp" + i, grads[i], p.get(i).grad(), 1e-12);
        });
        return failures;
    }
}
