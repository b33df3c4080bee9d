package dev.jgrad.core.backend;

import dev.jgrad.core.kernels.VectorSgemm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The small matrix products of {@link VectorAttention}'s tiles: {@code C (m, n) = A (m, k) · B (k, n)}, or
 * {@code C += A·B}, with m, n, k at most a tile (64) or a head dimension.
 *
 * <p>{@code A(r, p) = a[aOff + r·ars + p·acs]} is read one scalar at a time (broadcast), so any strides work — a
 * transposed tile is just {@code ars = 1, acs = row length}, never copied. {@code B(p, j) = b[bOff + p·ldb + j]} and
 * {@code C} are row-major with unit column stride, read and written as vectors.
 *
 * <p>Register tiling: four rows of C times up to four vectors of columns live in up to 16 accumulators for the
 * whole k loop. Each step loads the vectors of row p of B once and broadcasts four scalars of A, so every loaded
 * vector feeds four FMAs and 16 independent FMA chains hide the latency. Column blocks of 4, 2 or 1 vectors; the
 * last vector of a block is masked, and a block of fewer than four rows repeats its last row (computed, not
 * stored), so any m and n take the same code. Each C element is one FMA chain over p in increasing order, then
 * one add of the old C when accumulating: the same on every thread.
 *
 * <p>No packing: the tiles sit in L1/L2 already. {@code -Djgrad.attention.tiles=sgemm} routes the products
 * through {@link VectorSgemm} instead (packed panels), to compare the two in the attention benchmark.
 */
final class AttentionTiles {

    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length();
    static final boolean SGEMM_TILES = "sgemm".equals(System.getProperty("jgrad.attention.tiles"));
    private static final VectorSgemm SGEMM = new VectorSgemm();

    private AttentionTiles() {}

    static void gemm(int m, int n, int k, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        if (m <= 0 || n <= 0) return;
        if (SGEMM_TILES) {
            boolean transA = acs != 1;
            int lda = transA ? acs : Math.max(ars, k);
            SGEMM.sgemm(transA, false, m, n, k, 1f, a, aOff, Math.max(lda, transA ? m : 1), b, bOff, Math.max(ldb, n),
                    accumulate ? 1f : 0f, c, cOff, ldc);
            return;
        }
        for (int c0 = 0; c0 < n; ) {
            int left = n - c0;
            int vectors = left > 3 * L ? 4 : left > L ? 2 : 1;
            int width = Math.min(left, vectors * L), lastLanes = width - (vectors - 1) * L;
            for (int r0 = 0; r0 < m; r0 += 4) {
                int rows = Math.min(4, m - r0), ao = aOff + r0 * ars, bo = bOff + c0, co = cOff + r0 * ldc + c0;
                switch (vectors) {
                    case 4 -> rows4x4(rows, k, a, ao, ars, acs, b, bo, ldb, lastLanes, c, co, ldc, accumulate);
                    case 2 -> rows4x2(rows, k, a, ao, ars, acs, b, bo, ldb, lastLanes, c, co, ldc, accumulate);
                    default -> rows4x1(rows, k, a, ao, ars, acs, b, bo, ldb, lastLanes, c, co, ldc, accumulate);
                }
            }
            c0 += width;
        }
    }

    private static void rows4x4(int rows, int k, float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb,
                                int lastLanes, float[] c, int co, int ldc, boolean accumulate) {
        VectorMask<Float> last = S.indexInRange(0, lastLanes);
        int a0 = ao, a1 = ao + Math.min(1, rows - 1) * ars, a2 = ao + Math.min(2, rows - 1) * ars,
                a3 = ao + Math.min(3, rows - 1) * ars;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00,
                c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int p = 0, bp = bo, ap = 0; p < k; p++, bp += ldb, ap += acs) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + L),
                    b2 = FloatVector.fromArray(S, b, bp + 2 * L), b3 = FloatVector.fromArray(S, b, bp + 3 * L, last);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02); c03 = b3.fma(x, c03);
            x = FloatVector.broadcast(S, a[a1 + ap]);
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12); c13 = b3.fma(x, c13);
            x = FloatVector.broadcast(S, a[a2 + ap]);
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22); c23 = b3.fma(x, c23);
            x = FloatVector.broadcast(S, a[a3 + ap]);
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32); c33 = b3.fma(x, c33);
        }
        row4(c00, c01, c02, c03, last, c, co, accumulate);
        if (rows > 1) row4(c10, c11, c12, c13, last, c, co + ldc, accumulate);
        if (rows > 2) row4(c20, c21, c22, c23, last, c, co + 2 * ldc, accumulate);
        if (rows > 3) row4(c30, c31, c32, c33, last, c, co + 3 * ldc, accumulate);
    }

    private static void rows4x2(int rows, int k, float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb,
                                int lastLanes, float[] c, int co, int ldc, boolean accumulate) {
        VectorMask<Float> last = S.indexInRange(0, lastLanes);
        int a0 = ao, a1 = ao + Math.min(1, rows - 1) * ars, a2 = ao + Math.min(2, rows - 1) * ars,
                a3 = ao + Math.min(3, rows - 1) * ars;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
                c31 = c00;
        for (int p = 0, bp = bo, ap = 0; p < k; p++, bp += ldb, ap += acs) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + L, last);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[a1 + ap]);
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[a2 + ap]);
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[a3 + ap]);
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
        }
        row2(c00, c01, last, c, co, accumulate);
        if (rows > 1) row2(c10, c11, last, c, co + ldc, accumulate);
        if (rows > 2) row2(c20, c21, last, c, co + 2 * ldc, accumulate);
        if (rows > 3) row2(c30, c31, last, c, co + 3 * ldc, accumulate);
    }

    private static void rows4x1(int rows, int k, float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb,
                                int lastLanes, float[] c, int co, int ldc, boolean accumulate) {
        VectorMask<Float> last = S.indexInRange(0, lastLanes);
        int a0 = ao, a1 = ao + Math.min(1, rows - 1) * ars, a2 = ao + Math.min(2, rows - 1) * ars,
                a3 = ao + Math.min(3, rows - 1) * ars;
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        for (int p = 0, bp = bo, ap = 0; p < k; p++, bp += ldb, ap += acs) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp, last);
            c0 = b0.fma(FloatVector.broadcast(S, a[a0 + ap]), c0);
            c1 = b0.fma(FloatVector.broadcast(S, a[a1 + ap]), c1);
            c2 = b0.fma(FloatVector.broadcast(S, a[a2 + ap]), c2);
            c3 = b0.fma(FloatVector.broadcast(S, a[a3 + ap]), c3);
        }
        putLast(c0, last, c, co, accumulate);
        if (rows > 1) putLast(c1, last, c, co + ldc, accumulate);
        if (rows > 2) putLast(c2, last, c, co + 2 * ldc, accumulate);
        if (rows > 3) putLast(c3, last, c, co + 3 * ldc, accumulate);
    }

    /** Writes (or, accumulating, adds) one full vector of a C row. */
    private static void put(FloatVector v, float[] c, int at, boolean accumulate) {
        (accumulate ? v.add(FloatVector.fromArray(S, c, at)) : v).intoArray(c, at);
    }

    /** Writes (or adds) the masked last vector of a C row. */
    private static void putLast(FloatVector v, VectorMask<Float> last, float[] c, int at, boolean accumulate) {
        (accumulate ? v.add(FloatVector.fromArray(S, c, at, last)) : v).intoArray(c, at, last);
    }

    private static void row4(FloatVector v0, FloatVector v1, FloatVector v2, FloatVector v3, VectorMask<Float> last,
                             float[] c, int ci, boolean accumulate) {
        put(v0, c, ci, accumulate);
        put(v1, c, ci + L, accumulate);
        put(v2, c, ci + 2 * L, accumulate);
        putLast(v3, last, c, ci + 3 * L, accumulate);
    }

    private static void row2(FloatVector v0, FloatVector v1, VectorMask<Float> last, float[] c, int ci,
                             boolean accumulate) {
        put(v0, c, ci, accumulate);
        putLast(v1, last, c, ci + L, accumulate);
    }
}
