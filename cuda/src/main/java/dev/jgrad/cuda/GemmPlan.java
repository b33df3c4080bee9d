package dev.jgrad.cuda;

/**
 * How a row-major batched product maps onto one column-major cuBLAS call ({@code cublas*gemmStridedBatched}).
 *
 * <p>jgrad computes {@code out[p] = a[p] · b[p] (+ beta · out[p])} with {@code a (batch, m, k)},
 * {@code b (batch, k, n)}, {@code out (batch, m, n)}, each matrix with a unit stride in one of its two dims.
 * cuBLAS is column-major: a row-major {@code (m, n)} matrix with row stride {@code ld} is, read column-major,
 * its transpose {@code (n, m)} with leading dimension {@code ld}. So jgrad asks cuBLAS for
 * <b>Cᵀ = Bᵀ · Aᵀ</b>: cuBLAS's {@code m, n, k} are jgrad's {@code n, m, k}, its A is jgrad's b and its B is
 * jgrad's a. An operand with unit column stride (row-major) already reads as the transpose cuBLAS wants
 * ({@code OP_N}, ld = its row stride); a transposed view (unit row stride) reads as the matrix itself, so it
 * gets {@code OP_T} (ld = its column stride). Nothing is copied.
 *
 * <p>A size-1 dim carries no stride information, so its stride is ignored and the leading dimension raised to
 * the minimum cuBLAS accepts. Layouts cuBLAS cannot express (a stride-0 broadcast inside a matrix, a leading
 * dimension below the minimum) give {@code null} from {@link #of}: the caller copies that operand.
 *
 * @param transA  cuBLAS op of its A (= jgrad's b): true for OP_T
 * @param transB  cuBLAS op of its B (= jgrad's a)
 * @param m       cuBLAS m = jgrad's n
 * @param n       cuBLAS n = jgrad's m
 * @param k       k
 * @param lda     leading dimension of jgrad's b
 * @param ldb     leading dimension of jgrad's a
 * @param ldc     leading dimension of out (its row stride)
 * @param strideA batch stride of jgrad's b (0 broadcasts)
 * @param strideB batch stride of jgrad's a
 * @param strideC batch stride of out
 * @param batch   number of products
 */
record GemmPlan(boolean transA, boolean transB, int m, int n, int k, int lda, int ldb, int ldc,
                long strideA, long strideB, long strideC, int batch) {

    /**
     * The plan for {@code out (batch, m, n) = a (batch, m, k) · b (batch, k, n)} given the three stride triples
     * {@code (batch, row, column)}, or null when an operand must first be made contiguous.
     */
    static GemmPlan of(int batch, int m, int n, int k, int[] aStrides, int[] bStrides, int[] outStrides) {
        // out: unit column stride required (the Backend contract); row stride = ldc.
        if (n > 1 && outStrides[2] != 1) return null;
        int ldc = m > 1 ? outStrides[1] : n;
        if (ldc < Math.max(1, n)) return null;
        // jgrad's b (k, n) is cuBLAS's A: must read as Bᵀ (n, k).
        boolean bTransposed = n > 1 && bStrides[2] != 1;
        Integer lda = leadingDimension(bTransposed, k, n, bStrides[1], bStrides[2]);
        // jgrad's a (m, k) is cuBLAS's B: must read as Aᵀ (k, m).
        boolean aTransposed = k > 1 && aStrides[2] != 1;
        Integer ldb = leadingDimension(aTransposed, m, k, aStrides[1], aStrides[2]);
        if (lda == null || ldb == null) return null;
        long strideC = batch > 1 ? outStrides[0] : (long) m * ldc;
        return new GemmPlan(bTransposed, aTransposed, n, m, k, lda, ldb, ldc,
                batch > 1 ? bStrides[0] : 0, batch > 1 ? aStrides[0] : 0, strideC, batch);
    }

    /**
     * The leading dimension of a row-major {@code (rows, cols)} operand with strides {@code (rowStride, colStride)}:
     * not transposed (unit column stride) it is the row stride, at least {@code cols}; transposed (unit row
     * stride) it is the column stride, at least {@code rows}. Null when the layout is not expressible.
     */
    private static Integer leadingDimension(boolean transposed, int rows, int cols, int rowStride, int colStride) {
        if (!transposed) {
            if (rows <= 1) return Math.max(1, cols);
            return rowStride >= Math.max(1, cols) ? rowStride : null;
        }
        if (rows > 1 && rowStride != 1) return null;
        return colStride >= Math.max(1, rows) ? colStride : null;
    }
}
