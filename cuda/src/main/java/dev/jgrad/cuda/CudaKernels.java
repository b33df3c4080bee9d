package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;

/**
 * CUDA kernels beyond the {@code Backend} interface, for the ops that need them: a direct embedding lookup and
 * its deterministic backward, and bitsandbytes-layout 4-bit weights (dequantization, fused matvec and matmul). The
 * 4-bit products a layer needs, input gradient included, are {@code Backend} methods ({@code matmul4bit},
 * {@code matmul4bitInputGradient}: {@link CudaQuant4bit}), which {@code Linear4bit} calls on any device.
 * (The fused norms, losses, optimizer updates, attention and RoPE are {@code Backend} methods of
 * {@link CudaBackend}.) Each method validates its arguments (float32, contiguous, on this device, shapes), then
 * queues one or a few kernels; nothing is returned, outputs are written into the tensors given. All are
 * deterministic (no atomics).
 */
public final class CudaKernels {

    private final CudaContext ctx;

    private CudaKernels(CudaBackend backend) {
        this.ctx = backend.context();
    }

    /** The kernels of CUDA device {@code device}. */
    public static CudaKernels on(Device device) {
        return new CudaKernels(CudaBackend.forDevice(device));
    }

    // ---- embedding ------------------------------------------------------------------------------------------

    /**
     * {@code out[i] = weight[ids[i]]}.
     *
     * @param weight (vocab, dim), rows may be strided (unit column stride)
     * @param ids    (n) int32 or int64, validated by the caller to lie in [0, vocab)
     * @param out    (n, dim)
     */
    public void embeddingForward(Tensor weight, Tensor ids, Tensor out) {
        if (weight.rank() != 2 || weight.stride(1) != 1)
            throw new IllegalArgumentException("embedding: weight must be (vocab, dim) with unit column stride");
        int n = ids.numel(), dim = weight.size(1);
        indexVector("embedding", "ids", ids, n);
        f32("embedding", "out", out, n, dim);
        onDevice("embedding", "weight", weight);
        if (n == 0 || dim == 0) return;
        ctx.launch(Kernels.EMBEDDING_FORWARD, LaunchConfig.columnsByRows(dim, n, 128), out, weight, weight.stride(0), ids,
                CudaDTypes.code(ids.dtype()), n, dim);
    }

    /**
     * {@code dWeight[id] += Σ_{i: ids[i] = id} dOut[i]}, summed per id in position order (deterministic). The
     * ids are read on the host to build the plan ({@link EmbeddingBackwardPlan}; one device-to-host copy).
     *
     * @param dOut    (n, dim)
     * @param ids     (n) int32 or int64, host or device
     * @param dWeight (vocab, dim) accumulated into
     */
    public void embeddingBackward(Tensor dOut, Tensor ids, Tensor dWeight) {
        int n = ids.numel();
        if (dWeight.rank() != 2) throw new IllegalArgumentException("embedding backward: dWeight must be (vocab, dim)");
        int vocab = dWeight.size(0), dim = dWeight.size(1);
        f32("embeddingBackward", "dWeight", dWeight, vocab, dim);
        f32("embeddingBackward", "dOut", dOut, n, dim);
        if (n == 0 || dim == 0) return;
        EmbeddingBackwardPlan plan = EmbeddingBackwardPlan.build(ids.reshape(-1).toLongArray(), vocab);
        try (CudaMemory.Scope scratch = CudaMemory.scope()) {
            Tensor rows = Tensor.of(plan.rows()).to(ctx.device);
            Tensor starts = Tensor.of(plan.starts()).to(ctx.device);
            Tensor positions = Tensor.of(plan.positions()).to(ctx.device);
            ctx.launch(Kernels.EMBEDDING_BACKWARD, LaunchConfig.columnsByRows(dim, plan.rows().length, 128), dWeight,
                    dOut, rows, starts, positions, plan.rows().length, dim);
        }
    }

    // ---- 4-bit weights ----------------------------------------------------------------------------------------

    /**
     * Decodes a bitsandbytes-layout 4-bit weight: {@code out[f] = codebook[nibble(f)] · absmax[f / blocksize]},
     * even elements in the high nibble.
     *
     * @param packed   ((n+1)/2) U8
     * @param absmax   (ceil(n / blocksize)) float32 (double-quantized absmax decoded by the caller)
     * @param codebook 16 floats (QuantType.NF4 / FP4 .codebook())
     * @param out      (n) float32
     */
    public void dequantize4bit(Tensor packed, Tensor absmax, float[] codebook, int blocksize, Tensor out) {
        int n = out.numel();
        check4bit("dequantize4bit", packed, absmax, codebook, blocksize, n);
        f32("dequantize4bit", "out", out, out.shape());
        if (n == 0) return;
        ctx.launch(Kernels.DEQUANTIZE_4BIT, LaunchConfig.elementwise((n + 1) / 2, ctx.multiprocessors), out, packed,
                absmax, n, blocksize, codebook.clone());
    }

    /** {@code y (rows) = W (rows, cols) · x (cols)} with W 4-bit (see {@link #dequantize4bit}); one warp per row. */
    public void matvec4bit(Tensor packed, Tensor absmax, float[] codebook, int blocksize, int rows, int cols, Tensor x,
                           Tensor y) {
        check4bit("matvec4bit", packed, absmax, codebook, blocksize, (long) rows * cols);
        f32("matvec4bit", "x", x, cols);
        f32("matvec4bit", "y", y, rows);
        if (rows == 0) return;
        CudaQuant4bit.gemv(ctx, y, packed, absmax, x, rows, cols, blocksize, codebook);
    }

    /** {@code Y (m, rows) = X (m, cols) · Wᵀ} with W 4-bit, decoded tile by tile in shared memory. */
    public void matmul4bit(Tensor packed, Tensor absmax, float[] codebook, int blocksize, int rows, int cols, Tensor x,
                           Tensor y) {
        check4bit("matmul4bit", packed, absmax, codebook, blocksize, (long) rows * cols);
        if (x.rank() != 2 || x.size(1) != cols)
            throw new IllegalArgumentException("matmul4bit: x must be (m, " + cols + "), got " + Shape.str(x.shape()));
        int m = x.size(0);
        f32("matmul4bit", "x", x, m, cols);
        f32("matmul4bit", "y", y, m, rows);
        if ((m + 63) / 64 > LaunchConfig.MAX_GRID_YZ)
            throw new IllegalArgumentException("matmul4bit: m = " + m + " exceeds " + 64 * LaunchConfig.MAX_GRID_YZ);
        if (m == 0 || rows == 0) return;
        ctx.launch(Kernels.GEMM_4BIT, new LaunchConfig((rows + 63) / 64, (m + 63) / 64, 1, 16, 16, 1, 0), y, x, packed,
                absmax, m, rows, cols, blocksize, codebook.clone());
    }

    private void check4bit(String op, Tensor packed, Tensor absmax, float[] codebook, int blocksize, long n) {
        if (codebook == null || codebook.length != 16)
            throw new IllegalArgumentException(op + ": the code book must have 16 entries");
        if (blocksize < 1) throw new IllegalArgumentException(op + ": blocksize must be >= 1, got " + blocksize);
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException(op + ": " + n + " elements exceed 2^31 - 1");
        onDevice(op, "packed", packed);
        if (packed.dtype() != DType.U8 || !packed.isContiguous() || packed.numel() < (n + 1) / 2)
            throw new IllegalArgumentException(op + ": packed must be contiguous U8 with at least " + (n + 1) / 2
                    + " bytes, got " + packed.dtype() + " " + Shape.str(packed.shape()));
        long blocks = (n + blocksize - 1) / blocksize;
        f32(op, "absmax", absmax, absmax.shape());
        if (absmax.numel() < blocks)
            throw new IllegalArgumentException(op + ": absmax has " + absmax.numel() + " entries, " + blocks + " needed");
    }

    // ---- validation -----------------------------------------------------------------------------------------

    private void onDevice(String op, String name, Tensor t) {
        if (!t.device().equals(ctx.device))
            throw new IllegalArgumentException(op + ": " + name + " is on " + t.device() + ", expected " + ctx.device);
    }

    /** {@code t} is a contiguous float32 tensor on this device with {@code numel(shape)} elements. */
    private void f32(String op, String name, Tensor t, int... shape) {
        if (t == null) throw new IllegalArgumentException(op + ": " + name + " is required");
        onDevice(op, name, t);
        if (t.dtype() != DType.F32 || !t.isContiguous() || t.numel() != Shape.numel(shape))
            throw new IllegalArgumentException(op + ": " + name + " must be a contiguous float32 tensor of "
                    + Shape.numel(shape) + " elements " + Shape.str(shape) + ", got " + t.dtype() + " "
                    + Shape.str(t.shape()) + (t.isContiguous() ? "" : " (not contiguous)"));
    }

    private void indexVector(String op, String name, Tensor t, int n) {
        onDevice(op, name, t);
        if ((t.dtype() != DType.I32 && t.dtype() != DType.I64) || !t.isContiguous() || t.numel() != n)
            throw new IllegalArgumentException(op + ": " + name + " must be a contiguous int32/int64 tensor of " + n
                    + " elements, got " + t.dtype() + " " + Shape.str(t.shape()));
    }
}
