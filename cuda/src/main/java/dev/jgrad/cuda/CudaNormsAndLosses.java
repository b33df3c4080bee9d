package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;

/**
 * The row-wise fused ops of {@link CudaBackend}: LayerNorm and RMSNorm forward and backward (norm.cu) and
 * cross-entropy forward and backward (loss.cu), with the exact semantics of the reference backend (see
 * {@code dev.jgrad.core.backend.Backend}). Inputs may be strided views of any float dtype ({@link DenseOperands}
 * makes them contiguous on the device); float32 and float64 run their own kernel instantiations, which compute
 * in double and round once when storing. One block per row; parameter gradients are deterministic two-pass
 * column sums (no atomics).
 */
final class CudaNormsAndLosses {

    /** Rows per chunk of the deterministic column sums (the norms' parameter gradients). */
    static final int PARAM_ROWS_PER_CHUNK = 256;
    /** Threads per block of the column-sum pass 1 (one column each). */
    static final int PARAM_THREADS = 256;

    private final CudaBackend backend;
    private final CudaContext ctx;

    CudaNormsAndLosses(CudaBackend backend, CudaContext ctx) {
        this.backend = backend;
        this.ctx = ctx;
    }

    // ---- LayerNorm / RMSNorm ----------------------------------------------------------------------------

    /** x (rows, n); weight, bias (n) or null; y (rows, n); mean, rstd (rows). */
    void layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, Tensor y, Tensor mean, Tensor rstd) {
        int rows = rowsOf("layerNorm", x), n = x.size(1);
        checkNorm("layerNorm", rows, n, weight, bias, mean, rstd);
        checkShape("layerNorm", "y", y, rows, n);
        try (DenseOperands ops = new DenseOperands(backend, "layerNorm", x.dtype())) {
            Tensor xd = ops.in(x), wd = ops.in(weight), bd = ops.in(bias);
            Tensor yd = ops.out(y), md = ops.out(mean), rd = ops.out(rstd);
            if (rows == 0) return;
            ctx.launch(Kernels.LAYER_NORM_FORWARD[Kernels.typeIndex(ops.dtype())],
                    LaunchConfig.rows(rows, n, ctx.multiprocessors), yd, md, rd, xd, wd, bd, rows, n, eps);
        }
    }

    /** gy, x (rows, n); weight (n) or null; mean, rstd (rows); dx (rows, n), dweight, dbias (n), each or null. */
    void layerNormBackward(Tensor gy, Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dx, Tensor dweight,
                           Tensor dbias) {
        int rows = rowsOf("layerNormBackward", x), n = x.size(1);
        checkNorm("layerNormBackward", rows, n, weight, null, mean, rstd);
        checkShape("layerNormBackward", "gy", gy, rows, n);
        if (dx != null) checkShape("layerNormBackward", "dx", dx, rows, n);
        if (dweight != null) checkShape("layerNormBackward", "dweight", dweight, n);
        if (dbias != null) checkShape("layerNormBackward", "dbias", dbias, n);
        try (DenseOperands ops = new DenseOperands(backend, "layerNormBackward", x.dtype())) {
            Tensor gd = ops.in(gy), xd = ops.in(x), wd = ops.in(weight), md = ops.in(mean), rd = ops.in(rstd);
            Tensor dxd = ops.out(dx), dwd = ops.out(dweight), dbd = ops.out(dbias);
            int t = Kernels.typeIndex(ops.dtype());
            if (dxd != null && rows > 0)
                ctx.launch(Kernels.LAYER_NORM_BACKWARD_DX[t], LaunchConfig.rows(rows, n, ctx.multiprocessors),
                        dxd, gd, xd, wd, md, rd, rows, n);
            parameterGradients(ops, t, gd, xd, md, rd, rows, n, dwd, dbd);
        }
    }

    /** x (rows, n); weight (n) or null; y (rows, n); rstd (rows). */
    void rmsNorm(Tensor x, Tensor weight, double eps, Tensor y, Tensor rstd) {
        int rows = rowsOf("rmsNorm", x), n = x.size(1);
        checkNorm("rmsNorm", rows, n, weight, null, null, rstd);
        checkShape("rmsNorm", "y", y, rows, n);
        try (DenseOperands ops = new DenseOperands(backend, "rmsNorm", x.dtype())) {
            Tensor xd = ops.in(x), wd = ops.in(weight), yd = ops.out(y), rd = ops.out(rstd);
            if (rows == 0) return;
            ctx.launch(Kernels.RMS_NORM_FORWARD[Kernels.typeIndex(ops.dtype())],
                    LaunchConfig.rows(rows, n, ctx.multiprocessors), yd, rd, xd, wd, rows, n, eps);
        }
    }

    /** gy, x (rows, n); weight (n) or null; rstd (rows); dx (rows, n) and dweight (n), each or null. */
    void rmsNormBackward(Tensor gy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight) {
        int rows = rowsOf("rmsNormBackward", x), n = x.size(1);
        checkNorm("rmsNormBackward", rows, n, weight, null, null, rstd);
        checkShape("rmsNormBackward", "gy", gy, rows, n);
        if (dx != null) checkShape("rmsNormBackward", "dx", dx, rows, n);
        if (dweight != null) checkShape("rmsNormBackward", "dweight", dweight, n);
        try (DenseOperands ops = new DenseOperands(backend, "rmsNormBackward", x.dtype())) {
            Tensor gd = ops.in(gy), xd = ops.in(x), wd = ops.in(weight), rd = ops.in(rstd);
            Tensor dxd = ops.out(dx), dwd = ops.out(dweight);
            int t = Kernels.typeIndex(ops.dtype());
            if (dxd != null && rows > 0)
                ctx.launch(Kernels.RMS_NORM_BACKWARD_DX[t], LaunchConfig.rows(rows, n, ctx.multiprocessors),
                        dxd, gd, xd, wd, rd, rows, n);
            parameterGradients(ops, t, gd, xd, null, rd, rows, n, dwd, null);
        }
    }

    /**
     * dweight = Σ_rows gy·x̂ and dbias = Σ_rows gy in two passes: fixed chunks of rows per column into double
     * partials, then the chunks in order. With no rows both are zero.
     */
    private void parameterGradients(DenseOperands ops, int t, Tensor gy, Tensor x, Tensor mean, Tensor rstd, int rows,
                                    int n, Tensor dweight, Tensor dbias) {
        if ((dweight == null && dbias == null) || n == 0) return;
        if (rows == 0) {
            if (dweight != null) backend.fill(dweight, 0);
            if (dbias != null) backend.fill(dbias, 0);
            return;
        }
        int perChunk = rowsPerChunk(rows);
        int chunks = (rows + perChunk - 1) / perChunk;
        Tensor pw = dweight == null ? null : ops.scratch(DType.F64, chunks, n);
        Tensor pb = dbias == null ? null : ops.scratch(DType.F64, chunks, n);
        ctx.launch(Kernels.NORM_PARAMS_PARTIAL[t], partialLaunch(n, chunks), pw, pb, gy, x, mean, rstd, rows, n, perChunk);
        LaunchConfig sum = LaunchConfig.elementwise(n, ctx.multiprocessors);
        if (dweight != null) ctx.launch(Kernels.COLUMN_SUM_CHUNKS[t], sum, dweight, pw, chunks, n);
        if (dbias != null) ctx.launch(Kernels.COLUMN_SUM_CHUNKS[t], sum, dbias, pb, chunks, n);
    }

    /** Pass 1 of the column sums: x blocks of 256 columns, y one chunk of rows each. */
    static LaunchConfig partialLaunch(int n, int chunks) {
        return new LaunchConfig((n + PARAM_THREADS - 1) / PARAM_THREADS, chunks, 1, PARAM_THREADS, 1, 1, 0);
    }

    /** 256 rows per chunk, more when that would need over 65535 chunks (the grid's y limit). */
    static int rowsPerChunk(int rows) {
        return Math.max(PARAM_ROWS_PER_CHUNK, (rows + LaunchConfig.MAX_GRID_YZ - 1) / LaunchConfig.MAX_GRID_YZ);
    }

    // ---- cross-entropy ------------------------------------------------------------------------------------

    /** logits (rows, C); targets (rows) I32/I64 on the device; loss, lse (rows). */
    void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, double labelSmoothing, Tensor loss, Tensor lse) {
        int rows = rowsOf("crossEntropy", logits), classes = logits.size(1);
        checkShape("crossEntropy", "targets", targets, rows);
        checkShape("crossEntropy", "loss", loss, rows);
        checkShape("crossEntropy", "lse", lse, rows);
        try (DenseOperands ops = new DenseOperands(backend, "crossEntropy", logits.dtype())) {
            Tensor xd = ops.in(logits), td = ops.indices(targets), ld = ops.out(loss), sd = ops.out(lse);
            if (rows == 0) return;
            ctx.launch(Kernels.CROSS_ENTROPY_FORWARD[Kernels.typeIndex(ops.dtype())],
                    LaunchConfig.rows(rows, classes, ctx.multiprocessors), ld, sd, xd, td, CudaDTypes.code(td.dtype()),
                    rows, classes, (long) ignoreIndex, labelSmoothing);
        }
    }

    /**
     * dlogits (rows, C) from logits, targets, the forward's lse (rows) and rowGrad (rows): a 1-D rowGrad of the
     * compute dtype is read with its own stride (0 for a broadcast scalar), anything else is made contiguous.
     */
    void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor rowGrad, int ignoreIndex,
                              double labelSmoothing, Tensor dlogits) {
        int rows = rowsOf("crossEntropyBackward", logits), classes = logits.size(1);
        checkShape("crossEntropyBackward", "targets", targets, rows);
        checkShape("crossEntropyBackward", "lse", lse, rows);
        checkShape("crossEntropyBackward", "rowGrad", rowGrad, rows);
        checkShape("crossEntropyBackward", "dlogits", dlogits, rows, classes);
        try (DenseOperands ops = new DenseOperands(backend, "crossEntropyBackward", logits.dtype())) {
            Tensor xd = ops.in(logits), td = ops.indices(targets), sd = ops.in(lse), dd = ops.out(dlogits);
            boolean direct = rowGrad.rank() == 1 && rowGrad.dtype() == ops.dtype();
            Tensor gd = direct ? requireDevice("crossEntropyBackward", "rowGrad", rowGrad) : ops.in(rowGrad);
            int gradStride = direct ? rowGrad.stride(0) : 1;
            if (rows == 0) return;
            ctx.launch(Kernels.CROSS_ENTROPY_BACKWARD[Kernels.typeIndex(ops.dtype())],
                    LaunchConfig.rows(rows, classes, ctx.multiprocessors), dd, xd, sd, td, CudaDTypes.code(td.dtype()),
                    gd, gradStride, rows, classes, (long) ignoreIndex, labelSmoothing);
        }
    }

    // ---- validation -----------------------------------------------------------------------------------------

    private Tensor requireDevice(String op, String name, Tensor t) {
        if (!t.device().equals(ctx.device))
            throw new IllegalArgumentException(op + ": " + name + " is on " + t.device() + ", expected " + ctx.device);
        return t;
    }

    private static int rowsOf(String op, Tensor x) {
        if (x.rank() != 2)
            throw new IllegalArgumentException(op + ": expected a (rows, n) tensor, got shape " + Shape.str(x.shape()));
        return x.size(0);
    }

    private static void checkNorm(String op, int rows, int n, Tensor weight, Tensor bias, Tensor mean, Tensor rstd) {
        if (weight != null) checkShape(op, "weight", weight, n);
        if (bias != null) checkShape(op, "bias", bias, n);
        if (mean != null) checkShape(op, "mean", mean, rows);
        checkShape(op, "rstd", rstd, rows);
    }

    /** {@code t} has {@code numel(shape)} elements and the same rank-free size (a (rows) vector may be (rows, 1)). */
    static void checkShape(String op, String name, Tensor t, int... shape) {
        if (t == null) throw new IllegalArgumentException(op + ": " + name + " is required");
        if (t.numel() != Shape.numel(shape) || (shape.length > 1 && !java.util.Arrays.equals(t.shape(), shape)))
            throw new IllegalArgumentException(op + ": " + name + " must have shape " + Shape.str(shape) + ", got "
                    + Shape.str(t.shape()));
    }
}
