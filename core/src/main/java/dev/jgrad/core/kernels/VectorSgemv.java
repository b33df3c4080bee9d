package dev.jgrad.core.kernels;

import dev.jgrad.core.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix-vector multiply with Vector API FMAs, split over {@link Parallel}'s threads.
 *
 * <p><b>{@code y = A·x}</b>: each thread takes a contiguous range of rows; a row is one dot product with
 * four independent vector accumulators (so consecutive FMAs do not wait on each other), reduced once at
 * the end, then a scalar tail. A is streamed once, in memory order.
 *
 * <p><b>{@code y = Aᵀ·x}</b>: y is split into column strips; each thread owns its strips, so no two threads
 * write the same element and no reduction is needed. For a strip it walks the rows four at a time:
 * {@code y[strip] += x[i]·A[i, strip] + … + x[i+3]·A[i+3, strip]}, one load and store of y per four rows
 * of A. The strip (a few KiB) stays in L1 while A streams past.
 *
 * <p>Results do not depend on the thread count: every output element is summed by one thread in a fixed
 * order.
 */
public final class VectorSgemv implements Sgemv {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Width of a column strip of y for the transposed product. */
    private static final int STRIP = 512;
    /** Aim for this many multiply-adds per parallel chunk. */
    private static final int WORK_PER_CHUNK = 1 << 16;

    @Override
    public void sgemv(boolean transA, int m, int n, float alpha,
                      float[] a, int aOffset, int lda,
                      float[] x, int xOffset,
                      float beta, float[] y, int yOffset) {
        if (m <= 0 || n <= 0) {
            int outLength = transA ? n : m;
            for (int i = 0; i < outLength; i++) y[yOffset + i] = beta == 0f ? 0f : beta * y[yOffset + i];
            return;
        }
        if (!transA) {
            int grain = Math.max(1, WORK_PER_CHUNK / n);
            Parallel.forRange(m, grain, (from, to) -> {
                for (int i = from; i < to; i++) {
                    float dot = dot(a, aOffset + i * lda, x, xOffset, n);
                    int yi = yOffset + i;
                    y[yi] = beta == 0f ? alpha * dot : alpha * dot + beta * y[yi];
                }
            });
        } else {
            int strips = (n + STRIP - 1) / STRIP;
            int grain = (int) Math.max(1, WORK_PER_CHUNK / ((long) m * STRIP));
            Parallel.forRange(strips, grain, (from, to) -> {
                for (int s = from; s < to; s++) {
                    int j0 = s * STRIP, j1 = Math.min(n, j0 + STRIP);
                    transposedStrip(m, alpha, a, aOffset, lda, x, xOffset, beta, y, yOffset, j0, j1);
                }
            });
        }
    }

    /** {@code Σ_k a[aStart + k] · x[xStart + k]} for k in [0, n). */
    static float dot(float[] a, int aStart, float[] x, int xStart, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F), acc3 = FloatVector.zero(F);
        int k = 0;
        for (int bound = n - 4 * L; k <= bound; k += 4 * L) {
            acc0 = FloatVector.fromArray(F, a, aStart + k).fma(FloatVector.fromArray(F, x, xStart + k), acc0);
            acc1 = FloatVector.fromArray(F, a, aStart + k + L).fma(FloatVector.fromArray(F, x, xStart + k + L), acc1);
            acc2 = FloatVector.fromArray(F, a, aStart + k + 2 * L).fma(FloatVector.fromArray(F, x, xStart + k + 2 * L), acc2);
            acc3 = FloatVector.fromArray(F, a, aStart + k + 3 * L).fma(FloatVector.fromArray(F, x, xStart + k + 3 * L), acc3);
        }
        for (int bound = n - L; k <= bound; k += L) {
            acc0 = FloatVector.fromArray(F, a, aStart + k).fma(FloatVector.fromArray(F, x, xStart + k), acc0);
        }
        float sum = Lanes.sum(acc0.add(acc1).add(acc2.add(acc3)));
        for (; k < n; k++) sum = Math.fma(a[aStart + k], x[xStart + k], sum);
        return sum;
    }

    /** {@code y[j0:j1] = alpha · Σ_i x[i] · A[i, j0:j1] + beta · y[j0:j1]}. */
    private static void transposedStrip(int m, float alpha, float[] a, int aOffset, int lda, float[] x, int xOffset,
                                        float beta, float[] y, int yOffset, int j0, int j1) {
        for (int j = j0; j < j1; j++) y[yOffset + j] = beta == 0f ? 0f : beta * y[yOffset + j];
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            float x0 = alpha * x[xOffset + i], x1 = alpha * x[xOffset + i + 1];
            float x2 = alpha * x[xOffset + i + 2], x3 = alpha * x[xOffset + i + 3];
            int r0 = aOffset + i * lda, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda;
            FloatVector v0 = FloatVector.broadcast(F, x0), v1 = FloatVector.broadcast(F, x1);
            FloatVector v2 = FloatVector.broadcast(F, x2), v3 = FloatVector.broadcast(F, x3);
            int j = j0;
            for (int bound = j1 - L; j <= bound; j += L) {
                FloatVector acc = FloatVector.fromArray(F, y, yOffset + j);
                acc = FloatVector.fromArray(F, a, r0 + j).fma(v0, acc);
                acc = FloatVector.fromArray(F, a, r1 + j).fma(v1, acc);
                acc = FloatVector.fromArray(F, a, r2 + j).fma(v2, acc);
                acc = FloatVector.fromArray(F, a, r3 + j).fma(v3, acc);
                acc.intoArray(y, yOffset + j);
            }
            for (; j < j1; j++) {
                float acc = y[yOffset + j];
                acc = Math.fma(a[r0 + j], x0, acc);
                acc = Math.fma(a[r1 + j], x1, acc);
                acc = Math.fma(a[r2 + j], x2, acc);
                acc = Math.fma(a[r3 + j], x3, acc);
                y[yOffset + j] = acc;
            }
        }
        for (; i < m; i++) {
            float xi = alpha * x[xOffset + i];
            FloatVector vi = FloatVector.broadcast(F, xi);
            int r = aOffset + i * lda;
            int j = j0;
            for (int bound = j1 - L; j <= bound; j += L) {
                FloatVector.fromArray(F, a, r + j).fma(vi, FloatVector.fromArray(F, y, yOffset + j)).intoArray(y, yOffset + j);
            }
            for (; j < j1; j++) y[yOffset + j] = Math.fma(a[r + j], xi, y[yOffset + j]);
        }
    }
}
