package dev.jgrad.examples.course.exercises;

import java.util.ArrayList;
import java.util.List;

/** Checks a solution to chapter 5's exercises against values worked out by hand. */
public final class Check05 {

    private Check05() {}

    /** The failures (empty when every exercise passes); an exercise that throws fails with its message. */
    public static List<String> check(Exercises05 solution) {
        List<String> failures = new ArrayList<>();
        Checks.run(failures, "5.1 attentionWeights", () -> {
            // D = 4, √D = 2: q0·k = (0, 2·ln 3) → scores (0, ln 3) → weights (1/4, 3/4)
            double l = Math.log(3);
            double[][] q = {{1, 0, 0, 0}, {0, 1, 0, 0}}, k = {{0, 0, 0, 0}, {2 * l, 2 * l, 0, 0}};
            double[][] full = solution.attentionWeights(q, k, false);
            Checks.close("full: w[0][0]", 0.25, full[0][0], 1e-12);
            Checks.close("full: w[0][1]", 0.75, full[0][1], 1e-12);
            Checks.close("full: w[1][1]", 0.75, full[1][1], 1e-12);
            double[][] causal = solution.attentionWeights(q, k, true);
            Checks.close("causal: w[0][0] (the only key position 0 may see)", 1, causal[0][0], 1e-12);
            Checks.close("causal: w[0][1] (a future key)", 0, causal[0][1], 0);
            Checks.close("causal: w[1][1]", 0.75, causal[1][1], 1e-12);
        });
        Checks.run(failures, "5.2 rope", () -> {
            // D = 4, θ = 10000: pair 0 turns by position rad, pair 1 by position/100 rad
            double[] r = solution.rope(new double[] {1, 0, 0, 2}, 3, 10000);
            Checks.close("x0", Math.cos(3), r[0], 1e-12);
            Checks.close("x1", Math.sin(3), r[1], 1e-12);
            Checks.close("x2", -2 * Math.sin(0.03), r[2], 1e-12);
            Checks.close("x3", 2 * Math.cos(0.03), r[3], 1e-12);
            double[] same = solution.rope(new double[] {0.5, -1, 3, 4}, 0, 10000);
            Checks.close("position 0 leaves x2 as it is", 3, same[2], 1e-12);
        });
        Checks.run(failures, "5.3 kvCacheBytes", () -> {
            Checks.close("1 layer, 1 head, D 1, 1 token, 1 byte", 2, solution.kvCacheBytes(1, 1, 1, 1, 1), 0);
            Checks.close("LLaMA-2-7B, 4096 tokens, fp16 (2 GiB)", 2L << 30, solution.kvCacheBytes(32, 32, 128, 4096, 2), 0);
            Checks.close("80 layers, 8 kv heads, D 128, 131072 tokens, fp16 (40 GiB: no int overflow)", 40L << 30,
                    solution.kvCacheBytes(80, 8, 128, 131072, 2), 0);
        });
        return failures;
    }
}
