package dev.jgrad.examples.course.exercises;

import dev.jgrad.quant.QuantType;

import java.util.ArrayList;
import java.util.List;

/** Checks a learner's {@link Exercises08} against values worked out by hand. */
public final class Check08 {

    private Check08() {}

    /** Failure messages; empty when every exercise passes. */
    public static List<String> check(Exercises08 s) {
        List<String> failures = new ArrayList<>();
        // B (2x1) = [1, 2]ᵀ, A (1x3) = [1, 0, -1], alpha 2, r 1: 2·B·A = [[2, 0, -2], [4, 0, -4]].
        float[] expected = {2, 0, -2, 4, 0, -4};
        for (int i = 0; i < expected.length; i++) {
            int at = i;
            Checks6to10.near(failures, "8.1 loraDelta[" + i + "]", expected[i],
                    () -> s.loraDelta(new float[]{1, 2}, new float[]{1, 0, -1}, 2, 1, 3, 2.0)[at], 1e-6);
        }
        // r = 2 halves the scale: (4/2)·B·A with B = [[1, 1]], A = [[1], [1]] gives [[4]].
        Checks6to10.near(failures, "8.1 loraDelta with r=2, alpha=4", 4, () -> s.loraDelta(new float[]{1, 1}, new float[]{1, 1}, 1, 2, 1, 4.0)[0], 1e-6);

        float[] nf4 = QuantType.NF4.codebook();
        // absmax 1: 0.5 lies between codes 0.4407 and 0.5626 and is nearer the first; 0.25 → 0.2461.
        float[] block = {0.5f, -1.0f, 0.25f, 0.0f};
        float[] want = {nf4[12], -1.0f, nf4[10], 0.0f};
        for (int i = 0; i < block.length; i++) {
            int at = i;
            Checks6to10.near(failures, "8.2 quantizeBlock({0.5, -1, 0.25, 0})[" + i + "]", want[i], () -> s.quantizeBlock(block.clone(), nf4)[at], 1e-6);
        }
        Checks6to10.near(failures, "8.2 quantizeBlock({2, 1})[1] (absmax 2: 0.5 → 0.4407, times 2)", 2 * nf4[12],
                () -> s.quantizeBlock(new float[]{2f, 1f}, nf4)[1], 1e-6);
        Checks6to10.near(failures, "8.2 a block of zeros stays zero", 0, () -> s.quantizeBlock(new float[]{0f, 0f}, nf4)[0], 0);
        Checks6to10.near(failures, "8.3 bitsPerParameter(64, false)", 4.5, () -> s.bitsPerParameter(64, false, 256), 1e-12);
        Checks6to10.near(failures, "8.3 bitsPerParameter(64, true, 256)", 4.126953125, () -> s.bitsPerParameter(64, true, 256), 1e-12);
        Checks6to10.near(failures, "8.3 bitsPerParameter(128, true, 256)", 4.0634765625, () -> s.bitsPerParameter(128, true, 256), 1e-12);
        return failures;
    }
}
