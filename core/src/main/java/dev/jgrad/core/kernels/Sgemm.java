package dev.jgrad.core.kernels;

/**
 * Single-precision general matrix multiply on row-major arrays:
 * {@code C = alpha · op(A) · op(B) + beta · C}.
 *
 * <p>{@code op(A)} is {@code (m, k)}. When {@code transA} is false A is stored as {@code (m, k)} with
 * row stride {@code lda}; when true A is stored as {@code (k, m)} and read transposed, without a copy.
 * Likewise {@code op(B)} is {@code (k, n)}, stored {@code (k, n)} or, with {@code transB}, {@code (n, k)}.
 * C is {@code (m, n)} with row stride {@code ldc}. With {@code beta == 0} the old contents of C are
 * ignored (NaN in C does not leak into the result), as in BLAS.
 *
 * <p>The batched form multiplies {@code batch} independent matrices whose starts are
 * {@code strideA/strideB/strideC} elements apart (a stride of 0 broadcasts one matrix to every batch).
 *
 * <p>Two implementations share this signature: {@link ReferenceSgemm}, the obviously-right triple
 * loop used as the test oracle, and {@link VectorSgemm}, packed panels and a register-tiled FMA
 * micro-kernel on the Vector API.
 */
public interface Sgemm {

    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               float[] a, int aOffset, int lda,
               float[] b, int bOffset, int ldb,
               float beta, float[] c, int cOffset, int ldc);

    default void sgemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k, float alpha,
                              float[] a, int aOffset, int lda, long strideA,
                              float[] b, int bOffset, int ldb, long strideB,
                              float beta, float[] c, int cOffset, int ldc, long strideC) {
        for (int i = 0; i < batch; i++) {
            sgemm(transA, transB, m, n, k, alpha,
                    a, (int) (aOffset + i * strideA), lda,
                    b, (int) (bOffset + i * strideB), ldb,
                    beta, c, (int) (cOffset + i * strideC), ldc);
        }
    }
}
