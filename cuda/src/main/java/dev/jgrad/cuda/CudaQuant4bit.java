package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.Weight4bit;

/**
 * The 4-bit products of {@link CudaBackend} ({@code Backend.matmul4bit} and {@code matmul4bitInputGradient}) on the
 * kernels of quant.cu, with the reference backend's semantics: W decoded on the fly from its packed nibbles
 * (bitsandbytes' layout) and float32 block scales, never stored as floats.
 *
 * <ul>
 *   <li>{@code y = x·Wᵀ}, one row (decoding): {@code gemv_4bit_f32}, one warp per output feature streaming its row
 *       of W (32-bit words of 8 nibbles when the row length and block size are multiples of 8);</li>
 *   <li>{@code y = x·Wᵀ}, more rows: {@code gemm_4bit_f32}, 64 × 64 output tiles, W decoded into shared memory;</li>
 *   <li>{@code gx = gy·W}: {@code gemm_4bit_input_grad_f32}, the same tiling summed over W's rows.</li>
 * </ul>
 *
 * Views of x, y, gy, gx are made contiguous on the device first ({@link DenseOperands}); rows beyond the grid's
 * y limit (64 · 65535) run as consecutive launches. Every output is summed by one thread (or one warp) in a fixed
 * order: results are bit-identical run to run.
 */
final class CudaQuant4bit {

    /** Output rows per tile of the two gemm kernels (TM in quant.cu). */
    static final int TILE = 64;
    /** Rows of x per launch: the grid's y dimension holds at most 65535 tiles. */
    static final int ROWS_PER_LAUNCH = TILE * LaunchConfig.MAX_GRID_YZ;
    /** Warps per block of the matrix-vector kernel (one output feature each). */
    static final int GEMV_WARPS = 8;

    private final CudaBackend backend;
    private final CudaContext ctx;

    CudaQuant4bit(CudaBackend backend, CudaContext ctx) {
        this.backend = backend;
        this.ctx = ctx;
    }

    /** x (rows, in), y (rows, out). */
    void matmul(Tensor x, Weight4bit w, Tensor y) {
        int rows = w.checkProduct("matmul4bit", x, w.inFeatures(), y, w.outFeatures());
        onDevice("matmul4bit", w);
        try (DenseOperands ops = new DenseOperands(backend, "matmul4bit", DType.F32)) {
            Tensor xd = ops.in(x), yd = ops.out(y);
            if (rows == 0 || w.outFeatures() == 0) return;
            if (rows == 1) {
                gemv(ctx, yd, w.packed(), w.absmax(), xd, w.outFeatures(), w.inFeatures(), w.blocksize(), w.codebook());
                return;
            }
            for (int r0 = 0; r0 < rows; r0 += ROWS_PER_LAUNCH) {
                int n = Math.min(ROWS_PER_LAUNCH, rows - r0);
                gemm(ctx, Kernels.GEMM_4BIT, w.outFeatures(), yd.narrow(0, r0, n), xd.narrow(0, r0, n), w, n);
            }
        }
    }

    /** gy (rows, out), gx (rows, in). */
    void inputGradient(Tensor gy, Weight4bit w, Tensor gx) {
        int rows = w.checkProduct("matmul4bitInputGradient", gy, w.outFeatures(), gx, w.inFeatures());
        onDevice("matmul4bitInputGradient", w);
        try (DenseOperands ops = new DenseOperands(backend, "matmul4bitInputGradient", DType.F32)) {
            Tensor gd = ops.in(gy), gxd = ops.out(gx);
            if (rows == 0 || w.inFeatures() == 0) return;
            for (int r0 = 0; r0 < rows; r0 += ROWS_PER_LAUNCH) {
                int n = Math.min(ROWS_PER_LAUNCH, rows - r0);
                gemm(ctx, Kernels.GEMM_4BIT_INPUT_GRAD, w.inFeatures(), gxd.narrow(0, r0, n), gd.narrow(0, r0, n), w, n);
            }
        }
    }

    private void onDevice(String op, Weight4bit w) {
        if (!w.packed().device().equals(ctx.device))
            throw new IllegalArgumentException(op + ": the 4-bit weight is on " + w.packed().device() + ", expected "
                    + ctx.device + " (move it with .to(device))");
    }

    /** {@code y (rows) = W (rows, cols) · x (cols)}: one warp per output feature, {@link #GEMV_WARPS} per block. */
    static void gemv(CudaContext ctx, Tensor y, Tensor packed, Tensor absmax, Tensor x, int rows, int cols,
                     int blocksize, float[] codebook) {
        int blocks = (int) Math.min((rows + GEMV_WARPS - 1) / GEMV_WARPS, 64L * ctx.multiprocessors);
        ctx.launch(Kernels.GEMV_4BIT, new LaunchConfig(Math.max(1, blocks), 1, 1, 32, GEMV_WARPS, 1, 0), y, packed,
                absmax, x, rows, cols, blocksize, codebook.clone());
    }

    /**
     * One launch of a tiled 4-bit gemm ({@code gemm_4bit_f32} or {@code gemm_4bit_input_grad_f32}) over {@code m} rows
     * (at most {@link #ROWS_PER_LAUNCH}): tiles of 64 output columns along the grid's x, 64 rows along its y.
     */
    static void gemm(CudaContext ctx, KernelSpec kernel, int outCols, Tensor out, Tensor in, Weight4bit w, int m) {
        ctx.launch(kernel, new LaunchConfig((outCols + TILE - 1) / TILE, (m + TILE - 1) / TILE, 1, 16, 16, 1, 0), out, in,
                w.packed(), w.absmax(), m, w.outFeatures(), w.inFeatures(), w.blocksize(), w.codebook().clone());
    }
}
