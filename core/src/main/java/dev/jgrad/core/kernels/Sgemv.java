package dev.jgrad.core.kernels;

/**
 * Single-precision matrix-vector multiply on row-major arrays: {@code y = alpha · op(A) · x + beta · y}.
 *
 * <p>A is stored {@code (m, n)} row-major with row stride {@code lda}. Without {@code transA},
 * {@code op(A) = A}: x has {@code n} elements and y has {@code m}, and {@code y[i] = Σ_j A[i, j] · x[j]}
 * (one dot product per row: the decode step of a language model, {@code logits = W · h}). With
 * {@code transA}, {@code op(A) = Aᵀ} is read without a copy: x has {@code m} elements and y has {@code n},
 * and {@code y[j] = Σ_i A[i, j] · x[i]} (a weighted sum of rows: the input gradient of a linear layer for
 * one token). With {@code beta == 0} the old contents of y are ignored, as in BLAS.
 *
 * <p>A matrix-vector product does two flops per element of A it reads, so it is bound by memory bandwidth,
 * not arithmetic: a fast implementation streams A once, in order, on every core.
 *
 * <p>Two implementations share this signature: {@link ReferenceSgemv}, the obviously-right loop that
 * accumulates in double (the test oracle), and {@link VectorSgemv}, Vector API FMAs split over threads.
 */
public interface Sgemv {

    void sgemv(boolean transA, int m, int n, float alpha,
               float[] a, int aOffset, int lda,
               float[] x, int xOffset,
               float beta, float[] y, int yOffset);

    /** {@code y = A · x} for a dense {@code (m, n)} matrix: the common case. */
    default void gemv(int m, int n, float[] a, float[] x, float[] y) {
        sgemv(false, m, n, 1f, a, 0, n, x, 0, 0f, y, 0);
    }

    /** {@code y = Aᵀ · x} for a dense {@code (m, n)} matrix. */
    default void gemvTransposed(int m, int n, float[] a, float[] x, float[] y) {
        sgemv(true, m, n, 1f, a, 0, n, x, 0, 0f, y, 0);
    }
}
