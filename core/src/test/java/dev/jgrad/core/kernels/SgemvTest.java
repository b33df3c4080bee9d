package dev.jgrad.core.kernels;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class SgemvTest {

    private static final int[] SIZES = {1, 7, 15, 17, 64, 1023};

    @Test
    void referenceMatchesHandComputation() {
        // A = [[1, 2, 3], [4, 5, 6]], x = [1, 0, -1]  ->  A·x = [-2, -2]
        // Aᵀ·[1, -1] = [1-4, 2-5, 3-6] = [-3, -3, -3]
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] y = new float[2];
        new ReferenceSgemv().gemv(2, 3, a, new float[] {1, 0, -1}, y);
        assertArrayEquals(new float[] {-2, -2}, y);
        float[] yt = new float[3];
        new ReferenceSgemv().gemvTransposed(2, 3, a, new float[] {1, -1}, yt);
        assertArrayEquals(new float[] {-3, -3, -3}, yt);
        // alpha = 2, beta = 0.5 on y = [10, 20]: 2·[-2, -2] + [5, 10] = [1, 6]
        float[] y2 = {10, 20};
        new ReferenceSgemv().sgemv(false, 2, 3, 2f, a, 0, 3, new float[] {1, 0, -1}, 0, 0.5f, y2, 0);
        assertArrayEquals(new float[] {1, 6}, y2);
    }

    @Test
    void vectorMatchesReferenceOnOddSizes() {
        SplittableRandom rnd = new SplittableRandom(7);
        Sgemv ref = new ReferenceSgemv(), vec = new VectorSgemv();
        for (boolean trans : new boolean[] {false, true}) {
            for (int m : SIZES) {
                for (int n : SIZES) {
                    int lda = n + 3, aOff = 5, xOff = 2, yOff = 4;
                    float[] a = random(rnd, aOff + m * lda);
                    int xLen = trans ? m : n, yLen = trans ? n : m;
                    float[] x = random(rnd, xOff + xLen);
                    for (float beta : new float[] {0f, 0.75f}) {
                        float[] yRef = random(rnd, yOff + yLen + 2);
                        if (beta == 0f) java.util.Arrays.fill(yRef, Float.NaN); // beta = 0 must ignore y
                        float[] yVec = yRef.clone();
                        ref.sgemv(trans, m, n, 1.5f, a, aOff, lda, x, xOff, beta, yRef, yOff);
                        vec.sgemv(trans, m, n, 1.5f, a, aOff, lda, x, xOff, beta, yVec, yOff);
                        for (int i = 0; i < yLen; i++) {
                            double scale = 0;
                            for (int k = 0; k < xLen; k++) {
                                float aik = trans ? a[aOff + k * lda + i] : a[aOff + i * lda + k];
                                scale += Math.abs(aik * x[xOff + k]);
                            }
                            assertEquals(yRef[yOff + i], yVec[yOff + i], 1e-5 * (1.5 * scale + 1),
                                    "trans=" + trans + " m=" + m + " n=" + n + " beta=" + beta + " i=" + i);
                        }
                        // Elements outside y's range are untouched.
                        assertEquals(yRef[yOff - 1], yVec[yOff - 1]);
                        assertEquals(yRef[yOff + yLen], yVec[yOff + yLen]);
                    }
                }
            }
        }
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1);
        return v;
    }
}
