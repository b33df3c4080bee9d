package dev.jgrad.examples.course.solutions;

import dev.jgrad.examples.course.exercises.Exercises09;

/** Reference solutions to chapter 9's exercises. */
public class Solution09 implements Exercises09 {

    @Override
    public double matmulIntensity(int m, int n, int k) {
        return 2.0 * m * n * k / (4.0 * ((long) m * k + (long) k * n + (long) m * n));
    }

    @Override
    public double attainableGflops(double peakGflops, double bandwidthGBs, double intensity) {
        return Math.min(peakGflops, bandwidthGBs * intensity);
    }

    @Override
    public void matmulTiled(float[] a, float[] b, float[] c, int m, int n, int k, int tile) {
        for (int p0 = 0; p0 < k; p0 += tile)
            for (int i0 = 0; i0 < m; i0 += tile)
                for (int j0 = 0; j0 < n; j0 += tile)
                    for (int i = i0; i < Math.min(i0 + tile, m); i++)
                        for (int p = p0; p < Math.min(p0 + tile, k); p++)
                            for (int j = j0; j < Math.min(j0 + tile, n); j++) c[i * n + j] += a[i * k + p] * b[p * n + j];
    }
}
