package dev.jgrad.core.kernels;

/**
 * The reference matrix-vector multiply: plain loops that accumulate in double precision. Slow and
 * obviously right; {@link VectorSgemv} is tested against it.
 */
public final class ReferenceSgemv implements Sgemv {

    @Override
    public void sgemv(boolean transA, int m, int n, float alpha,
                      float[] a, int aOffset, int lda,
                      float[] x, int xOffset,
                      float beta, float[] y, int yOffset) {
        int outLength = transA ? n : m;
        int sumLength = transA ? m : n;
        for (int out = 0; out < outLength; out++) {
            double sum = 0;
            for (int k = 0; k < sumLength; k++) {
                float aElement = transA ? a[aOffset + k * lda + out] : a[aOffset + out * lda + k];
                sum += (double) aElement * x[xOffset + k];
            }
            int yi = yOffset + out;
            double old = beta == 0f ? 0 : (double) beta * y[yi];
            y[yi] = (float) (alpha * sum + old);
        }
    }
}
