package dev.jgrad.core.kernels;

/**
 * The reference matrix multiply: a plain triple loop that accumulates in double precision.
 * Slow and obviously right; every faster kernel is tested against it.
 */
public final class ReferenceSgemm implements Sgemm {

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOffset, int lda,
                      float[] b, int bOffset, int ldb,
                      float beta, float[] c, int cOffset, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    float aip = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
                    float bpj = transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j];
                    sum += (double) aip * bpj;
                }
                int ci = cOffset + i * ldc + j;
                double old = beta == 0f ? 0 : (double) beta * c[ci];
                c[ci] = (float) (alpha * sum + old);
            }
        }
    }
}
