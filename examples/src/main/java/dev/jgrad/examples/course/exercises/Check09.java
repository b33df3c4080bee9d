package dev.jgrad.examples.course.exercises;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Checks a learner's {@link Exercises09}: intensities and roofline by hand, the tiled matmul against a triple loop. */
public final class Check09 {

    private Check09() {}

    /** Failure messages; empty when every exercise passes. */
    public static List<String> check(Exercises09 s) {
        List<String> failures = new ArrayList<>();
        Checks6to10.near(failures, "9.1 matmulIntensity(512, 512, 512)", 256.0 / 3, () -> s.matmulIntensity(512, 512, 512), 1e-9);
        Checks6to10.near(failures, "9.1 matmulIntensity(4096, 1, 4096) (matvec)", 0.5 * 4096 / (4096 + 2), () -> s.matmulIntensity(4096, 1, 4096), 1e-9);
        Checks6to10.near(failures, "9.2 memory-bound: attainableGflops(100, 20, 0.5)", 10, () -> s.attainableGflops(100, 20, 0.5), 1e-9);
        Checks6to10.near(failures, "9.2 compute-bound: attainableGflops(100, 20, 85)", 100, () -> s.attainableGflops(100, 20, 85), 1e-9);
        for (int[] shape : new int[][]{{7, 5, 3}, {33, 17, 40}, {64, 64, 64}}) {
            int m = shape[0], n = shape[1], k = shape[2];
            Checks6to10.that(failures, "9.3 matmulTiled(" + m + "x" + k + " · " + k + "x" + n + ", tile 8) equals the triple loop",
                    () -> tiledMatches(s, m, n, k));
        }
        return failures;
    }

    private static boolean tiledMatches(Exercises09 s, int m, int n, int k) {
        Random r = new Random(m * 31L + n);
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n], expected = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
        for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
        for (int i = 0; i < c.length; i++) expected[i] = c[i] = r.nextFloat();      // c += a·b keeps what was there
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) sum += (double) a[i * k + p] * b[p * n + j];
                expected[i * n + j] += (float) sum;
            }
        s.matmulTiled(a, b, c, m, n, k, 8);
        for (int i = 0; i < c.length; i++) if (Math.abs(c[i] - expected[i]) > 1e-4) return false;
        return true;
    }
}
