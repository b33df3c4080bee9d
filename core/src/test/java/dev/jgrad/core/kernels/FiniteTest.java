package dev.jgrad.core.kernels;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link Finite#firstNonFinite} against the plain loop, with the bad value at block edges and in the tail. */
class FiniteTest {

    private static int reference(float[] a, int from, int to) {
        for (int i = from; i < to; i++) if (Float.isNaN(a[i]) || Float.isInfinite(a[i])) return i;
        return -1;
    }

    @Test
    void findsTheFirstNaNOrInfinityWherePlantedAndNothingElse() {
        Random r = new Random(3);
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int n : new int[] {0, 1, 7, 64, 4095, 4096, 4097, 10_000}) {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(60) - 30));
            if (n > 0) a[r.nextInt(n)] = Float.MAX_VALUE;                 // large but finite: x * 0 is still 0
            assertEquals(-1, Finite.firstNonFinite(a), "n=" + n);
            for (int at : new int[] {0, n / 2, n - 1, 4095, 4096}) {
                if (at < 0 || at >= n) continue;
                for (float bad : specials) {
                    float[] b = a.clone();
                    b[at] = bad;
                    if (at + 3 < n) b[at + 3] = Float.NaN;                  // only the first one counts
                    assertEquals(at, Finite.firstNonFinite(b), "n=" + n + " at=" + at + " " + bad);
                    assertEquals(reference(b, 1, n), Finite.firstNonFinite(b, 1, n), "from 1, n=" + n + " at=" + at);
                }
            }
        }
    }
}
