package dev.jgrad.core.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link VectorSgemm} against the double-precision triple loop {@link ReferenceSgemm} (itself checked
 * on a hand-computed product).
 *
 * <p>Tolerance: a float32 dot product of length k with a rounding per step has error at most
 * {@code γ_k · Σ|a_p·b_p|}, {@code γ_k = k·u/(1 - k·u)}, {@code u = 2^-24} (Higham, <i>Accuracy and
 * Stability of Numerical Algorithms</i>, §3.1); scaling by alpha and adding beta·C add about 3u of
 * the magnitude. So each element is allowed {@code (k + 3)·u·(|alpha|·Σ|a||b| + |beta·c|)}: a rigorous
 * bound, and one that a wrong, missing or doubled term (of size about the magnitude / k) exceeds.
 */
class VectorSgemmTest {

    private static final double U = 0x1p-24;
    private static final int[] ODD = {1, 7, 15, 17, 33};
    private static final Sgemm REFERENCE = new ReferenceSgemm();
    /**
     * The default kernel (products with a small B take the unpacked direct path), one that takes the
     * direct path whenever k fits one block, and packed-only variants that force several k blocks, the 4- and
     * 8-row kernels and fixed splits.
     */
    private static final Sgemm[] FAST = {
            new VectorSgemm(),
            new VectorSgemm(8, 384, 336, 4096, 0, Long.MAX_VALUE),
            new VectorSgemm(8, 8, 28, 64, 3, 0),
            new VectorSgemm(4, 16, 12, 32, 2, 0),
            new VectorSgemm(8, 24, 16, 96, 0, 0),
    };

    /** One multiply: the operand layouts, with padding between rows and unused space before each matrix. */
    private record Layout(boolean transA, boolean transB, int m, int n, int k,
                          int padA, int padB, int padC, int offA, int offB, int offC) {
        static Layout dense(boolean transA, boolean transB, int m, int n, int k) {
            return new Layout(transA, transB, m, n, k, 0, 0, 0, 0, 0, 0);
        }

        int lda() { return (transA ? m : k) + padA; }
        int ldb() { return (transB ? k : n) + padB; }
        int ldc() { return n + padC; }
        int sizeA() { return offA + (transA ? k : m) * lda() + 3; }
        int sizeB() { return offB + (transB ? n : k) * ldb() + 3; }
        int sizeC() { return offC + m * ldc() + 3; }
        float opA(float[] a, int i, int p) { return transA ? a[offA + p * lda() + i] : a[offA + i * lda() + p]; }
        float opB(float[] b, int p, int j) { return transB ? b[offB + j * ldb() + p] : b[offB + p * ldb() + j]; }
        boolean inC(int index) {
            int rel = index - offC;
            return rel >= 0 && rel / ldc() < m && rel % ldc() < n;
        }
    }

    private static float[] random(int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    private static float[] run(Sgemm impl, Layout l, float alpha, float[] a, float[] b, float beta, float[] c) {
        float[] out = c.clone();
        impl.sgemm(l.transA, l.transB, l.m, l.n, l.k, alpha, a, l.offA, l.lda(), b, l.offB, l.ldb(),
                beta, out, l.offC, l.ldc());
        return out;
    }

    /** Checks {@code actual} against the reference within the bound above; C outside the product is untouched. */
    private static void assertMatchesReference(Layout l, float alpha, float[] a, float[] b, float beta, float[] c,
                                               float[] actual, String label) {
        float[] expected = run(REFERENCE, l, alpha, a, b, beta, c);
        for (int idx = 0; idx < c.length; idx++) {
            if (!l.inC(idx)) {
                if (Float.floatToRawIntBits(actual[idx]) != Float.floatToRawIntBits(c[idx])) {
                    fail(label + ": wrote outside C at index " + idx);
                }
                continue;
            }
            int i = (idx - l.offC) / l.ldc(), j = (idx - l.offC) % l.ldc();
            double magnitude = 0;
            for (int p = 0; p < l.k; p++) magnitude += Math.abs((double) l.opA(a, i, p) * l.opB(b, p, j));
            double old = beta == 0f ? 0 : Math.abs((double) beta * c[idx]);
            double tolerance = (l.k + 3) * U * (Math.abs(alpha) * magnitude + old) * 1.0001 + Double.MIN_NORMAL;
            double error = Math.abs((double) actual[idx] - expected[idx]);
            if (!(error <= tolerance)) {
                fail(String.format("%s: C[%d,%d] = %s, reference %s, error %.3g > tolerance %.3g",
                        label, i, j, actual[idx], expected[idx], error, tolerance));
            }
        }
    }

    private static void check(Layout l, float alpha, float beta, long seed) {
        float[] a = random(l.sizeA(), seed), b = random(l.sizeB(), seed + 1), c = random(l.sizeC(), seed + 2);
        if (beta == 0f) Arrays.fill(c, Float.NaN);   // BLAS: beta == 0 must not read C
        for (Sgemm fast : FAST) {
            assertMatchesReference(l, alpha, a, b, beta, c, run(fast, l, alpha, a, b, beta, c), l + " " + fast);
        }
    }

    @Test
    void referenceMatchesHandComputedProduct() {
        // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]; times 2, plus 0.5 · [[2,4],[6,8]].
        float[] a = {1, 2, 3, 4, 5, 6}, aT = {1, 4, 2, 5, 3, 6};
        float[] b = {7, 8, 9, 10, 11, 12}, bT = {7, 9, 11, 8, 10, 12};
        float[] want = {117, 130, 281, 312};
        for (Sgemm impl : new Sgemm[] {REFERENCE, FAST[0], FAST[2], FAST[3]}) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                float[] c = {2, 4, 6, 8};
                impl.sgemm(ta, tb, 2, 2, 3, 2f, ta ? aT : a, 0, ta ? 2 : 3, tb ? bT : b, 0, tb ? 3 : 2, 0.5f, c, 0, 2);
                assertArrayEquals(want, c, impl + " transA=" + ta + " transB=" + tb);
            }
        }
    }

    @ParameterizedTest(name = "transA={0}")
    @ValueSource(booleans = {false, true})
    void oddSizesAllTransposes(boolean transA) {
        long seed = 1;
        for (boolean transB : new boolean[] {false, true}) {
            for (int m : ODD) for (int n : ODD) for (int k : ODD) {
                check(Layout.dense(transA, transB, m, n, k), 1f, 0f, seed++);
            }
        }
    }

    @Test
    void sizesAround1023() {
        int[][] shapes = {{1023, 17, 33}, {17, 1023, 7}, {33, 15, 1023}, {1023, 1, 15}, {1, 1023, 17}, {7, 33, 1023}};
        long seed = 100;
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                check(Layout.dense((t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2]), 1f, 0f, seed++);
            }
        }
    }

    @Test
    void leadingDimensionsAndOffsets() {
        long seed = 200;
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            check(new Layout(ta, tb, 33, 17, 15, 5, 3, 7, 11, 2, 9), 1f, 0f, seed++);
            check(new Layout(ta, tb, 70, 95, 41, 1, 16, 33, 1, 5, 3), 0.75f, -1.25f, seed++);
            check(new Layout(ta, tb, 1, 1, 1, 2, 2, 2, 1, 1, 1), 2f, 0.5f, seed++);
        }
    }

    @Test
    void alphaAndBeta() {
        long seed = 300;
        float[][] alphaBeta = {{-0.75f, 1.25f}, {1f, 1f}, {3f, -2f}, {0.5f, 0f}};
        for (float[] ab : alphaBeta) {
            for (int t = 0; t < 4; t++) {
                check(new Layout((t & 1) != 0, (t & 2) != 0, 45, 37, 29, 3, 1, 2, 4, 0, 6), ab[0], ab[1], seed++);
            }
        }
    }

    @Test
    void betaZeroIgnoresNaNInC() {
        Layout l = new Layout(false, true, 17, 33, 15, 0, 0, 4, 0, 0, 2);
        float[] a = random(l.sizeA(), 1), b = random(l.sizeB(), 2), c = new float[l.sizeC()];
        Arrays.fill(c, Float.NaN);
        float[] out = run(FAST[0], l, 1f, a, b, 0f, c);
        for (int i = 0; i < out.length; i++) {
            assertEquals(l.inC(i), !Float.isNaN(out[i]), "index " + i + " (inside C must be finite, outside untouched)");
        }
    }

    @Test
    void alphaZeroOrEmptyKOnlyScalesC() {
        // BLAS: with alpha == 0 or k == 0, A and B are not read (NaN there must not leak) and C = beta·C.
        float[] nanA = new float[15 * 7], nanB = new float[7 * 9];
        Arrays.fill(nanA, Float.NaN);
        Arrays.fill(nanB, Float.NaN);
        float[] c = random(15 * 9, 5);
        float[] scaled = c.clone();
        FAST[0].sgemm(false, false, 15, 9, 7, 0f, nanA, 0, 7, nanB, 0, 9, 0.5f, scaled, 0, 9);
        for (int i = 0; i < c.length; i++) assertEquals(0.5f * c[i], scaled[i], "alpha=0, index " + i);
        float[] zeroed = c.clone();
        FAST[0].sgemm(false, false, 15, 9, 0, 1f, nanA, 0, 1, nanB, 0, 9, 0f, zeroed, 0, 9);
        for (float v : zeroed) assertEquals(0f, v, "k=0 with beta=0 zeroes C");
    }

    @Test
    void batchedWithBroadcast() {
        // Small matrices (split across the batch) and large ones (split within each matrix); B or A shared.
        int[][] shapes = {{33, 17, 15, 6}, {64, 64, 32, 12}, {300, 260, 120, 2}};
        long seed = 400;
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2], batch = s[3];
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                int lda = (ta ? m : k) + 1, ldb = tb ? k : n, ldc = n + 2;
                long strideA = (long) (ta ? k : m) * lda, strideB = 0, strideC = (long) m * ldc + 5;
                if (t == 3) { strideA = 0; strideB = (long) (tb ? n : k) * ldb; }   // shared A instead
                float[] a = random((int) (strideA * (batch - 1)) + (ta ? k : m) * lda, seed++);
                float[] b = random((int) (strideB * (batch - 1)) + (tb ? n : k) * ldb, seed++);
                float[] c = random((int) (strideC * (batch - 1)) + m * ldc, seed++);
                float[] expected = c.clone(), actual = c.clone();
                REFERENCE.sgemmBatched(batch, ta, tb, m, n, k, 0.5f, a, 0, lda, strideA, b, 0, ldb, strideB,
                        -1f, expected, 0, ldc, strideC);
                FAST[0].sgemmBatched(batch, ta, tb, m, n, k, 0.5f, a, 0, lda, strideA, b, 0, ldb, strideB,
                        -1f, actual, 0, ldc, strideC);
                double bound = (k + 3) * U * (0.5 * k + 1) * 1.0001;   // |a|,|b|,|c| <= 1
                for (int i = 0; i < c.length; i++) {
                    double error = Math.abs((double) actual[i] - expected[i]);
                    assertTrue(error <= bound, "batched " + Arrays.toString(s) + " t=" + t + " index " + i
                            + ": " + actual[i] + " vs " + expected[i]);
                }
            }
        }
    }

    @Test
    void batchedAccumulatesIntoSharedC() {
        // strideC = 0 with beta = 1: every product is added into the same C, one after another.
        int m = 9, n = 20, k = 13, batch = 5;
        float[] a = random(batch * m * k, 1), b = random(batch * k * n, 2), c = random(m * n, 3);
        float[] expected = c.clone(), actual = c.clone();
        REFERENCE.sgemmBatched(batch, false, false, m, n, k, 1f, a, 0, k, m * k, b, 0, n, k * n, 1f, expected, 0, n, 0);
        FAST[0].sgemmBatched(batch, false, false, m, n, k, 1f, a, 0, k, m * k, b, 0, n, k * n, 1f, actual, 0, n, 0);
        double bound = (batch * (k + 3) + 3) * U * (batch * k + 1);
        for (int i = 0; i < c.length; i++) assertEquals(expected[i], actual[i], bound, "index " + i);
    }

    @Test
    void resultsDoNotDependOnThreadsPartitionOrTileShape() {
        // Same KC (the k order) but different splits, block sizes, micro-tile heights and the unpacked
        // direct path (taken when k <= 96 by the last two variants): bit-identical C.
        int kc = 96;
        VectorSgemm[] variants = {
                new VectorSgemm(8, kc, 14, 32, 1, 0), new VectorSgemm(8, kc, 56, 64, 2, 0),
                new VectorSgemm(8, kc, 140, 4096, 3, 0), new VectorSgemm(4, kc, 30, 96, 7, 0),
                new VectorSgemm(4, kc, 600, 4096, 0, 0), new VectorSgemm(8, kc, 336, 4096, 0, 0),
                new VectorSgemm(8, kc, 64, 4096, 0, 0), new VectorSgemm(8, kc, 336, 4096, 0, Long.MAX_VALUE),
                new VectorSgemm(4, kc, 64, 4096, 3, Long.MAX_VALUE),
        };
        int[][] shapes = {{333, 257, 500}, {20, 900, 100}, {1, 300, 97}, {250, 3, 200}, {70, 95, 96}, {17, 64, 33}};
        long seed = 500;
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                Layout l = new Layout((t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 1, 2, 3, 4, 5, 6);
                float[] a = random(l.sizeA(), seed++), b = random(l.sizeB(), seed++), c = random(l.sizeC(), seed++);
                float[] first = run(variants[0], l, 0.75f, a, b, 0.5f, c);
                assertMatchesReference(l, 0.75f, a, b, 0.5f, c, first, l.toString());
                for (VectorSgemm v : variants) {
                    assertArrayEquals(first, run(v, l, 0.75f, a, b, 0.5f, c), l + " with " + v);
                }
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        VectorSgemm g = new VectorSgemm();
        float[] x = new float[100];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.sgemm(false, false, 4, 4, 5, 1f, x, 0, 4, x, 0, 4, 0f, x, 0, 4));
        assertTrue(e.getMessage().contains("lda=4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> g.sgemm(false, true, 4, 30, 5, 1f, x, 0, 5, x, 0, 5, 0f, new float[120], 0, 30));
        assertTrue(e.getMessage().startsWith("B stored as (30, 5)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> g.sgemm(false, false, 4, 4, 4, 1f, x, 0, 4, x, 0, 4, 0f, x, 90, 4));
        assertTrue(e.getMessage().startsWith("C stored as (4, 4)"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> g.sgemm(false, false, -1, 4, 4, 1f, x, 0, 4, x, 0, 4, 0f, x, 0, 4));
        e = assertThrows(IllegalArgumentException.class,
                () -> g.sgemmBatched(3, false, false, 4, 4, 4, 1f, x, 0, 4, 16, x, 0, 4, 0, 0f, x, 0, 4, 45));
        assertTrue(e.getMessage().startsWith("C stored as (4, 4)"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> g.sgemmBatched(2, false, false, 4, 4, 4, 1f, x, 0, 4, -16, x, 0, 4, 0, 0f, x, 0, 4, 16));
    }
}
