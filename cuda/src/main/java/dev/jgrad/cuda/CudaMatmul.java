package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;

/**
 * Matrix products on cuBLAS: one strided-batched call per product, mapped by {@link GemmPlan} (row-major jgrad
 * to column-major cuBLAS as Cᵀ = Bᵀ·Aᵀ; transposed views become cuBLAS ops, broadcast batches stride 0).
 *
 * <ul>
 *   <li>float32: {@code cublasGemmStridedBatchedEx} with {@code CUBLAS_COMPUTE_32F} (exact float32), or
 *       {@code CUBLAS_COMPUTE_32F_FAST_TF32} when {@link Autocast#allowTf32} is on;</li>
 *   <li>float32 inside {@link Autocast#bf16()}: operands cast to BF16, float32 accumulation and output;</li>
 *   <li>BF16 operands: BF16 inputs, float32 accumulation, output BF16 or float32;</li>
 *   <li>float64: {@code cublasDgemmStridedBatched}.</li>
 * </ul>
 * An operand whose layout cuBLAS cannot express is copied to a contiguous temporary first.
 */
final class CudaMatmul {

    private final CudaContext ctx;
    private final CudaBackend backend;

    CudaMatmul(CudaContext ctx, CudaBackend backend) {
        this.ctx = ctx;
        this.backend = backend;
    }

    void run(Tensor a, Tensor b, Tensor out, float beta) {
        int batch = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
        if (out.numel() == 0) return;
        if (k == 0) { // an empty sum: out = beta · out
            if (beta == 0) backend.fill(out, 0);
            else backend.binary(dev.jgrad.core.backend.BinaryOp.MUL, out, Tensor.scalar(beta, out.dtype()).to(out.device())
                    .expand(out.shape()), out);
            return;
        }
        DType dt = a.dtype();
        if (dt != b.dtype())
            throw new IllegalArgumentException("matmul: operand dtypes differ (" + dt + " and " + b.dtype() + ")");
        boolean autocast = dt == DType.F32 && out.dtype() == DType.F32 && Autocast.bf16Enabled();
        Tensor a2 = autocast ? backend.converted(a, DType.BF16) : a;
        Tensor b2 = autocast ? backend.converted(b, DType.BF16) : b;
        try {
            GemmPlan plan = GemmPlan.of(batch, m, n, k, a2.strides(), b2.strides(), out.strides());
            if (plan == null) {
                if (n > 1 && out.stride(2) != 1)
                    throw new IllegalArgumentException("matmul: the output needs a unit column stride, got strides "
                            + Shape.str(out.strides()));
                a2 = contiguousIfNeeded(a2, batch, m, k);
                b2 = contiguousIfNeeded(b2, batch, k, n);
                plan = GemmPlan.of(batch, m, n, k, a2.strides(), b2.strides(), out.strides());
                if (plan == null)
                    throw new IllegalStateException("matmul: no cuBLAS layout for out strides " + Shape.str(out.strides()));
            }
            gemm(plan, a2, b2, out, beta);
        } finally {
            if (autocast) { // the casts are queued before the GEMM on the same stream, so they can go back now
                CudaMemory.release(a2);
                CudaMemory.release(b2);
            }
        }
    }

    /** {@code t} itself if cuBLAS can read it as a {@code (batch, rows, cols)} operand, else a contiguous copy. */
    private Tensor contiguousIfNeeded(Tensor t, int batch, int rows, int cols) {
        int[] s = t.strides();
        boolean rowMajor = (cols <= 1 || s[2] == 1) && (rows <= 1 || s[1] >= Math.max(1, cols));
        boolean colMajor = (rows <= 1 || s[1] == 1) && (cols <= 1 || s[2] >= Math.max(1, rows));
        if (rowMajor || colMajor) return t;
        Tensor c = Tensor.empty(t.dtype(), t.device(), batch, rows, cols);
        backend.copy(t, c);
        return c;
    }

    private void gemm(GemmPlan p, Tensor a, Tensor b, Tensor out, float beta) {
        if (a.dtype() == DType.F64 && out.dtype() != DType.F64)
            throw new IllegalArgumentException("matmul on CUDA writes F64 from F64 operands, not " + out.dtype());
        // cuBLAS's A is jgrad's b and its B is jgrad's a (see GemmPlan).
        ctx.gemm(p, a.dtype(), out.dtype(), Autocast.tf32Allowed(), ctx.address(b), ctx.address(a), ctx.address(out), beta);
    }
}
