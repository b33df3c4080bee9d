package dev.jgrad.cuda;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.ReferenceBackend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The row-major to column-major mapping, executed on the host: a literal transcription of the documented cuBLAS
 * semantics of {@code gemmStridedBatched} (column-major, {@code op(X)} = X or Xᵀ, leading dimensions, batch
 * strides) runs each plan on the raw storages, and the result must equal the reference backend's product.
 */
class GemmPlanTest {

    /** C[p] = alpha·op(A[p])·op(B[p]) + beta·C[p], all column-major, exactly as cuBLAS documents it. */
    private static void cublasGemmStridedBatched(boolean transa, boolean transb, int m, int n, int k, float[] A,
                                                 int aOff, int lda, long strideA, float[] B, int bOff, int ldb,
                                                 long strideB, float beta, float[] C, int cOff, int ldc, long strideC,
                                                 int batch) {
        for (int p = 0; p < batch; p++) {
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    double sum = 0;
                    for (int l = 0; l < k; l++) {
                        double a = transa ? A[(int) (aOff + p * strideA + l + (long) i * lda)]
                                : A[(int) (aOff + p * strideA + i + (long) l * lda)];
                        double b = transb ? B[(int) (bOff + p * strideB + j + (long) l * ldb)]
                                : B[(int) (bOff + p * strideB + l + (long) j * ldb)];
                        sum += a * b;
                    }
                    int c = (int) (cOff + p * strideC + i + (long) j * ldc);
                    C[c] = (float) (beta == 0 ? sum : sum + beta * C[c]);
                }
            }
        }
    }

    private static float[] data(Tensor t) {
        return ((Storage.FloatStorage) t.storage()).data;
    }

    /** Runs a (batch, m, k)·(batch, k, n) product through the plan and through the reference; compares. */
    private static void check(Tensor a, Tensor b, float beta) {
        int batch = Math.max(a.size(0), b.size(0)), m = a.size(1), k = a.size(2), n = b.size(2);
        Generator g = new Generator(11);
        Tensor init = Tensor.randn(g, batch, m, n);
        Tensor expected = init.contiguousCopy(), actual = init.contiguousCopy();
        Tensor a3 = a.expand(batch, m, k), b3 = b.expand(batch, k, n);
        new ReferenceBackend().matmul(a3, b3, expected, beta);
        GemmPlan plan = GemmPlan.of(batch, m, n, k, a3.strides(), b3.strides(), actual.strides());
        assertNotNull(plan, "no plan for a " + java.util.Arrays.toString(a3.strides()) + " b "
                + java.util.Arrays.toString(b3.strides()));
        // cuBLAS's A is jgrad's b, its B is jgrad's a.
        cublasGemmStridedBatched(plan.transA(), plan.transB(), plan.m(), plan.n(), plan.k(), data(b3), b3.offset(),
                plan.lda(), plan.strideA(), data(a3), a3.offset(), plan.ldb(), plan.strideB(), beta, data(actual),
                actual.offset(), plan.ldc(), plan.strideC(), plan.batch());
        float[] e = expected.toFloatArray(), x = actual.toFloatArray();
        for (int i = 0; i < e.length; i++)
            assertEquals(e[i], x[i], 1e-5 * Math.max(1, Math.abs(e[i])), "element " + i);
    }

    @Test
    void rowMajorOperandsMapToNoTranspose() {
        Generator g = new Generator(1);
        check(Tensor.randn(g, 1, 7, 5), Tensor.randn(g, 1, 5, 3), 0f);
        GemmPlan p = GemmPlan.of(1, 7, 3, 5, new int[] {35, 5, 1}, new int[] {15, 3, 1}, new int[] {21, 3, 1});
        assertEquals(false, p.transA());
        assertEquals(false, p.transB());
        assertEquals(3, p.m());   // cuBLAS m = jgrad n
        assertEquals(7, p.n());   // cuBLAS n = jgrad m
        assertEquals(3, p.lda()); // b's row stride
        assertEquals(5, p.ldb()); // a's row stride
        assertEquals(3, p.ldc());
    }

    @Test
    void transposedViewsMapToCublasTransposes() {
        Generator g = new Generator(2);
        Tensor at = Tensor.randn(g, 2, 5, 7).transpose(1, 2); // (2, 7, 5) unit row stride
        Tensor bt = Tensor.randn(g, 2, 3, 5).transpose(1, 2); // (2, 5, 3)
        check(at, bt, 0f);
        check(at, Tensor.randn(g, 2, 5, 3), 0f);
        check(Tensor.randn(g, 2, 7, 5), bt, 0f);
        GemmPlan p = GemmPlan.of(2, 7, 3, 5, at.strides(), bt.strides(), new int[] {21, 3, 1});
        assertTrue(p.transA() && p.transB());
    }

    @Test
    void broadcastBatchesUseStrideZeroAndBetaAccumulates() {
        Generator g = new Generator(3);
        check(Tensor.randn(g, 4, 6, 5), Tensor.randn(g, 1, 5, 9), 0f);     // weight shared by the batch
        check(Tensor.randn(g, 1, 6, 5), Tensor.randn(g, 4, 5, 9), 0.5f);
        GemmPlan p = GemmPlan.of(4, 6, 9, 5, new int[] {30, 5, 1}, new int[] {0, 9, 1}, new int[] {54, 9, 1});
        assertEquals(0, p.strideA());
        assertEquals(30, p.strideB());
    }

    @Test
    void oddAndDegenerateSizes() {
        Generator g = new Generator(4);
        for (int[] s : new int[][] {{1, 1, 1}, {1, 7, 1}, {7, 1, 1}, {1, 1, 7}, {15, 17, 1}, {1, 17, 15}, {17, 1, 15}}) {
            int m = s[0], k = s[1], n = s[2];
            check(Tensor.randn(g, 2, m, k), Tensor.randn(g, 2, k, n), 0f);
            check(Tensor.randn(g, 2, k, m).transpose(1, 2), Tensor.randn(g, 2, n, k).transpose(1, 2), 1f);
        }
    }

    @Test
    void matricesFromLargerStoragesUseTheirRowStrides() {
        Generator g = new Generator(5);
        Tensor a = Tensor.randn(g, 3, 9, 11).narrow(1, 1, 7).narrow(2, 2, 5); // row stride 11
        Tensor b = Tensor.randn(g, 3, 8, 13).narrow(1, 0, 5).narrow(2, 4, 6); // row stride 13
        check(a, b, 0f);
    }

    @Test
    void layoutsCublasCannotReadNeedACopy() {
        // a (m, k) broadcast along rows: row stride 0, column stride 1 — no leading dimension describes it.
        assertNull(GemmPlan.of(1, 4, 3, 5, new int[] {0, 0, 1}, new int[] {15, 3, 1}, new int[] {12, 3, 1}));
        // output without unit column stride
        assertNull(GemmPlan.of(1, 4, 3, 5, new int[] {20, 5, 1}, new int[] {15, 3, 1}, new int[] {12, 1, 4}));
    }
}
