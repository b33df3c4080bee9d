package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;

/**
 * Fused CUDA kernels beyond the {@code Backend} interface, ready for the ops that need them (LayerNorm, RMSNorm,
 * cross-entropy, optimizer updates, attention, RoPE, embeddings, 4-bit weights). Each method validates its
 * arguments (float32, contiguous, on this device, shapes), then queues one or a few kernels; nothing is
 * returned, outputs are written into the tensors given. All are deterministic (no atomics).
 *
 * <p>Shapes use {@code rows × cols} for "every dim but the last × the last dim" of contiguous tensors.
 */
public final class CudaKernels {

    /** Rows per chunk of the deterministic column sums (parameter gradients of the norms). */
    static final int PARAM_ROWS_PER_CHUNK = 256;

    private final CudaBackend backend;
    private final CudaContext ctx;

    private CudaKernels(CudaBackend backend) {
        this.backend = backend;
        this.ctx = backend.context();
    }

    /** The kernels of CUDA device {@code device}. */
    public static CudaKernels on(Device device) {
        return new CudaKernels(CudaBackend.forDevice(device));
    }

    // ---- LayerNorm / RMSNorm ----------------------------------------------------------------------------

    /**
     * LayerNorm forward over the last dim: {@code out = (x − mean)·rstd·weight + bias}.
     *
     * @param x      (rows, cols) input
     * @param weight (cols) scale, or null
     * @param bias   (cols) shift, or null
     * @param eps    added to the variance
     * @param out    (rows, cols) output
     * @param mean   (rows) per-row mean, saved for backward
     * @param rstd   (rows) per-row 1/√(var + eps), saved for backward
     */
    public void layerNormForward(Tensor x, Tensor weight, Tensor bias, float eps, Tensor out, Tensor mean, Tensor rstd) {
        int cols = lastDim(x), rows = rowsOf(x);
        f32("layerNorm", "x", x, x.shape());
        f32("layerNorm", "out", out, x.shape());
        f32("layerNorm", "mean", mean, rows);
        f32("layerNorm", "rstd", rstd, rows);
        optionalVector("layerNorm", "weight", weight, cols);
        optionalVector("layerNorm", "bias", bias, cols);
        if (rows == 0) return;
        ctx.launch(Kernels.LAYERNORM_FORWARD, LaunchConfig.rows(rows, cols, ctx.multiprocessors),
                out, mean, rstd, x, weight, bias, rows, cols, eps);
    }

    /**
     * LayerNorm backward: {@code dx = rstd·(g − mean(g) − x̂·mean(g·x̂))} with {@code g = dy·weight},
     * {@code x̂ = (x − mean)·rstd}; {@code dWeight = Σ_rows dy·x̂}, {@code dBias = Σ_rows dy}.
     *
     * @param dy         (rows, cols) output gradient
     * @param x          (rows, cols) forward input
     * @param weight     (cols) or null
     * @param mean       (rows) from forward
     * @param rstd       (rows) from forward
     * @param dx         (rows, cols) input gradient (overwritten)
     * @param dWeight    (cols) or null
     * @param dBias      (cols) or null
     * @param accumulate add to dWeight/dBias instead of overwriting them
     */
    public void layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dx,
                                  Tensor dWeight, Tensor dBias, boolean accumulate) {
        int cols = lastDim(x), rows = rowsOf(x);
        f32("layerNormBackward", "x", x, x.shape());
        f32("layerNormBackward", "dy", dy, x.shape());
        f32("layerNormBackward", "dx", dx, x.shape());
        f32("layerNormBackward", "mean", mean, rows);
        f32("layerNormBackward", "rstd", rstd, rows);
        optionalVector("layerNormBackward", "weight", weight, cols);
        optionalVector("layerNormBackward", "dWeight", dWeight, cols);
        optionalVector("layerNormBackward", "dBias", dBias, cols);
        if (rows == 0) return;
        ctx.launch(Kernels.LAYERNORM_BACKWARD_DX, LaunchConfig.rows(rows, cols, ctx.multiprocessors),
                dx, dy, x, weight, mean, rstd, rows, cols);
        parameterGradients(dy, x, mean, rstd, rows, cols, dWeight, dBias, accumulate);
    }

    /**
     * RMSNorm forward: {@code out = x·rstd·weight}, {@code rstd = 1/√(mean(x²) + eps)}.
     *
     * @param x      (rows, cols)
     * @param weight (cols) or null
     * @param eps    added to the mean square
     * @param out    (rows, cols)
     * @param rstd   (rows), saved for backward
     */
    public void rmsNormForward(Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) {
        int cols = lastDim(x), rows = rowsOf(x);
        f32("rmsNorm", "x", x, x.shape());
        f32("rmsNorm", "out", out, x.shape());
        f32("rmsNorm", "rstd", rstd, rows);
        optionalVector("rmsNorm", "weight", weight, cols);
        if (rows == 0) return;
        ctx.launch(Kernels.RMSNORM_FORWARD, LaunchConfig.rows(rows, cols, ctx.multiprocessors),
                out, rstd, x, weight, rows, cols, eps);
    }

    /**
     * RMSNorm backward: {@code dx = rstd·(g − x̂·mean(g·x̂))} with {@code g = dy·weight}, {@code x̂ = x·rstd};
     * {@code dWeight = Σ_rows dy·x̂}. Arguments as {@link #layerNormBackward} without mean and bias.
     */
    public void rmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dWeight,
                                boolean accumulate) {
        int cols = lastDim(x), rows = rowsOf(x);
        f32("rmsNormBackward", "x", x, x.shape());
        f32("rmsNormBackward", "dy", dy, x.shape());
        f32("rmsNormBackward", "dx", dx, x.shape());
        f32("rmsNormBackward", "rstd", rstd, rows);
        optionalVector("rmsNormBackward", "weight", weight, cols);
        optionalVector("rmsNormBackward", "dWeight", dWeight, cols);
        if (rows == 0) return;
        ctx.launch(Kernels.RMSNORM_BACKWARD_DX, LaunchConfig.rows(rows, cols, ctx.multiprocessors),
                dx, dy, x, weight, rstd, rows, cols);
        parameterGradients(dy, x, null, rstd, rows, cols, dWeight, null, accumulate);
    }

    /** Column sums over rows in two passes: fixed chunks of rows, then the chunks in order. */
    private void parameterGradients(Tensor dy, Tensor x, Tensor mean, Tensor rstd, int rows, int cols, Tensor dWeight,
                                    Tensor dBias, boolean accumulate) {
        if (dWeight == null && dBias == null) return;
        int perChunk = rowsPerChunk(rows);
        int chunks = (rows + perChunk - 1) / perChunk;
        try (CudaMemory.Scope scratch = CudaMemory.scope()) {
            Tensor pw = Tensor.empty(DType.F32, ctx.device, chunks, cols);
            Tensor pb = dBias == null ? null : Tensor.empty(DType.F32, ctx.device, chunks, cols);
            ctx.launch(Kernels.NORM_PARAMS_PARTIAL, new LaunchConfig((cols + 255) / 256, chunks, 1, 256, 1, 1, 0),
                    pw, pb, dy, x, mean, rstd, rows, cols, perChunk);
            LaunchConfig sum = LaunchConfig.elementwise(cols, ctx.multiprocessors);
            if (dWeight != null) ctx.launch(Kernels.COLUMN_SUM_CHUNKS, sum, dWeight, pw, chunks, cols, accumulate ? 1 : 0);
            if (dBias != null) ctx.launch(Kernels.COLUMN_SUM_CHUNKS, sum, dBias, pb, chunks, cols, accumulate ? 1 : 0);
        }
    }

    /** 256 rows per chunk, more when that would need over 65535 chunks (the grid's y limit). */
    static int rowsPerChunk(int rows) {
        return Math.max(PARAM_ROWS_PER_CHUNK, (rows + LaunchConfig.MAX_GRID_YZ - 1) / LaunchConfig.MAX_GRID_YZ);
    }

    // ---- cross-entropy ------------------------------------------------------------------------------------

    /**
     * Per-row cross-entropy of logits against class targets, with label smoothing ε:
     * {@code loss = (1 − ε)·(lse − x_t) + ε·(lse − mean_j x_j)}; 0 where {@code target == ignoreIndex}.
     *
     * @param logits  (rows, V)
     * @param targets (rows) int32 or int64 class ids in [0, V) (others give NaN)
     * @param loss    (rows) output
     * @param lse     (rows) log Σ exp(logits), saved for backward
     */
    public void crossEntropyForward(Tensor logits, Tensor targets, long ignoreIndex, float labelSmoothing, Tensor loss,
                                    Tensor lse) {
        int v = lastDim(logits), rows = rowsOf(logits);
        f32("crossEntropy", "logits", logits, logits.shape());
        indexVector("crossEntropy", "targets", targets, rows);
        f32("crossEntropy", "loss", loss, rows);
        f32("crossEntropy", "lse", lse, rows);
        if (rows == 0) return;
        ctx.launch(Kernels.CROSS_ENTROPY_FORWARD, LaunchConfig.rows(rows, v, ctx.multiprocessors), loss, lse, logits,
                targets, CudaDTypes.code(targets.dtype()), rows, v, ignoreIndex, labelSmoothing);
    }

    /**
     * {@code dLogits = gradLoss_r · (softmax − (1 − ε)·onehot(t) − ε/V)}, 0 for ignored rows.
     *
     * @param gradLoss (rows) per-row loss gradient, or a 0-d tensor broadcast to every row (e.g. 1/count)
     * @param dLogits  (rows, V) output
     */
    public void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor gradLoss, long ignoreIndex,
                                     float labelSmoothing, Tensor dLogits) {
        int v = lastDim(logits), rows = rowsOf(logits);
        f32("crossEntropyBackward", "logits", logits, logits.shape());
        f32("crossEntropyBackward", "dLogits", dLogits, logits.shape());
        indexVector("crossEntropyBackward", "targets", targets, rows);
        f32("crossEntropyBackward", "lse", lse, rows);
        boolean scalar = gradLoss.rank() == 0;
        f32("crossEntropyBackward", "gradLoss", gradLoss, scalar ? new int[0] : new int[] {rows});
        if (rows == 0) return;
        ctx.launch(Kernels.CROSS_ENTROPY_BACKWARD, LaunchConfig.rows(rows, v, ctx.multiprocessors), dLogits, logits, lse,
                targets, CudaDTypes.code(targets.dtype()), gradLoss, scalar ? 0 : 1, rows, v, ignoreIndex, labelSmoothing);
    }

    // ---- optimizers ---------------------------------------------------------------------------------------

    /**
     * One Adam (decoupled = false, L2 weight decay) or AdamW (decoupled = true) step over a flat parameter,
     * PyTorch's algorithm (see optim.cu). {@code step} counts from 1; {@code gradScale} multiplies the gradient
     * (1 for none).
     *
     * @param param    (n) updated in place
     * @param grad     (n)
     * @param expAvg   (n) first moment, updated in place
     * @param expAvgSq (n) second moment, updated in place
     */
    public void adamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, long step, float lr, float beta1,
                         float beta2, float eps, float weightDecay, boolean decoupled, float gradScale) {
        int n = param.numel();
        f32("adam", "param", param, param.shape());
        f32("adam", "grad", grad, param.shape());
        f32("adam", "expAvg", expAvg, param.shape());
        f32("adam", "expAvgSq", expAvgSq, param.shape());
        if (step < 1) throw new IllegalArgumentException("adam: step counts from 1, got " + step);
        float bc1 = (float) (1 - Math.pow(beta1, step)), bc2 = (float) (1 - Math.pow(beta2, step));
        if (n == 0) return;
        ctx.launch(Kernels.ADAM_STEP, LaunchConfig.elementwise(n, ctx.multiprocessors), param, grad, expAvg, expAvgSq, n,
                lr, beta1, beta2, eps, weightDecay, bc1, bc2, decoupled ? 1 : 0, gradScale);
    }

    /**
     * One SGD step (momentum, dampening, Nesterov, L2 weight decay as torch.optim.SGD).
     *
     * @param momentumBuffer (n), or null when momentum is 0
     * @param firstStep      true on the step that initialises the momentum buffer
     */
    public void sgdStep(Tensor param, Tensor grad, Tensor momentumBuffer, float lr, float momentum, float dampening,
                        float weightDecay, boolean nesterov, boolean firstStep, float gradScale) {
        int n = param.numel();
        f32("sgd", "param", param, param.shape());
        f32("sgd", "grad", grad, param.shape());
        if (momentum != 0) f32("sgd", "momentumBuffer", momentumBuffer, param.shape());
        if (n == 0) return;
        ctx.launch(Kernels.SGD_STEP, LaunchConfig.elementwise(n, ctx.multiprocessors), param, grad,
                momentum != 0 ? momentumBuffer : null, n, lr, momentum, dampening, weightDecay, nesterov ? 1 : 0,
                firstStep ? 1 : 0, gradScale);
    }

    // ---- attention ------------------------------------------------------------------------------------------

    /**
     * Flash-style attention forward: {@code out = softmax(scale·q·kᵀ [causal mask]) · v} per head, without a
     * (T, T) matrix in memory (see attention.cu).
     *
     * @param q   (B, Hq, Tq, D); D in {32, 64, 96, 128}
     * @param k   (B, Hkv, Tk, D), Hq a multiple of Hkv (GQA: head h reads kv head h / (Hq/Hkv))
     * @param v   (B, Hkv, Tk, D)
     * @param out (B, Hq, Tq, D)
     * @param lse (B, Hq, Tq) per-row log-sum-exp of the scaled scores, saved for backward
     */
    public void attentionForward(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor out, Tensor lse) {
        AttentionShape s = AttentionShape.of(q, k, v);
        f32("attention", "q", q, q.shape());
        f32("attention", "k", k, k.shape());
        f32("attention", "v", v, k.shape());
        f32("attention", "out", out, q.shape());
        f32("attention", "lse", lse, s.batch(), s.heads(), s.queries());
        if (q.numel() == 0) return;
        ctx.launch(Kernels.ATTENTION_FORWARD[s.variant()], s.queryGrid(s.forwardSharedBytes()), out, lse, q, k, v,
                s.heads(), s.kvHeads(), s.queries(), s.keys(), scale, causal ? 1 : 0);
    }

    /**
     * Flash-style attention backward: dq, dk, dv (overwritten) from the forward's inputs, output and lse and the
     * output gradient; three kernels (row sums of dOut·out, then dK/dV per key tile, then dQ per query tile).
     */
    public void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor dOut, Tensor lse, float scale,
                                  boolean causal, Tensor dq, Tensor dk, Tensor dv) {
        AttentionShape s = AttentionShape.of(q, k, v);
        for (Tensor t : new Tensor[] {q, out, dOut, dq}) f32("attentionBackward", "q-shaped tensor", t, q.shape());
        for (Tensor t : new Tensor[] {k, v, dk, dv}) f32("attentionBackward", "k-shaped tensor", t, k.shape());
        f32("attentionBackward", "lse", lse, s.batch(), s.heads(), s.queries());
        if (q.numel() == 0) return;
        try (CudaMemory.Scope scratch = CudaMemory.scope()) {
            Tensor delta = Tensor.empty(DType.F32, ctx.device, s.batch(), s.heads(), s.queries());
            int rows = s.batch() * s.heads() * s.queries();
            ctx.launch(Kernels.ATTENTION_DELTA, LaunchConfig.elementwise(rows, ctx.multiprocessors), delta, out, dOut,
                    rows, s.headDim());
            int c = causal ? 1 : 0;
            ctx.launch(Kernels.ATTENTION_BACKWARD_DKDV[s.variant()], s.keyGrid(s.dkdvSharedBytes()), dk, dv, q, k, v,
                    dOut, lse, delta, s.heads(), s.kvHeads(), s.queries(), s.keys(), scale, c);
            ctx.launch(Kernels.ATTENTION_BACKWARD_DQ[s.variant()], s.queryGrid(s.dqSharedBytes()), dq, q, k, v, dOut,
                    lse, delta, s.heads(), s.kvHeads(), s.queries(), s.keys(), scale, c);
        }
    }

    // ---- RoPE -----------------------------------------------------------------------------------------------

    /** Host cos/sin tables {@code (maxPositions, rotaryDim/2)} for {@link #rope} (move them to the GPU once). */
    public static Tensor[] ropeTables(int maxPositions, int rotaryDim, double base) {
        return RopeTables.build(maxPositions, rotaryDim, base);
    }

    /**
     * Rotary position embedding of {@code x (..., T, D)} into {@code out} (may be x): rotate-half pairs
     * {@code (i, i + r/2)} or interleaved pairs {@code (2i, 2i+1)} of the first {@code rotaryDim} dims by the
     * angles of position {@code t + positionOffset}; {@code inverse} rotates back (the backward).
     *
     * @param cos (maxPositions, rotaryDim/2) from {@link #ropeTables}, on this device
     * @param sin (maxPositions, rotaryDim/2)
     */
    public void rope(Tensor x, Tensor cos, Tensor sin, int rotaryDim, boolean interleaved, boolean inverse,
                     int positionOffset, Tensor out) {
        if (x.rank() < 2) throw new IllegalArgumentException("rope: x must be (..., T, D), got " + Shape.str(x.shape()));
        int d = x.size(-1), t = x.size(-2);
        if (rotaryDim < 2 || rotaryDim % 2 != 0 || rotaryDim > d)
            throw new IllegalArgumentException("rope: rotary dim " + rotaryDim + " must be even, >= 2 and <= D = " + d);
        f32("rope", "x", x, x.shape());
        f32("rope", "out", out, x.shape());
        if (cos.rank() != 2 || cos.size(1) != rotaryDim / 2 || cos.size(0) < t + positionOffset || positionOffset < 0)
            throw new IllegalArgumentException("rope: tables " + Shape.str(cos.shape()) + " do not cover positions "
                    + positionOffset + " .. " + (t + positionOffset - 1) + " with " + rotaryDim / 2 + " frequencies");
        f32("rope", "cos", cos, cos.shape());
        f32("rope", "sin", sin, cos.shape());
        int rows = x.numel() / Math.max(d, 1);
        if (rows == 0) return;
        ctx.launch(Kernels.ROPE, LaunchConfig.elementwise((long) rows * (rotaryDim / 2), ctx.multiprocessors), out, x,
                cos, sin, rows, t, d, rotaryDim, interleaved ? 1 : 0, inverse ? 1 : 0, positionOffset);
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
        int warps = 8;
        int blocks = (int) Math.min((rows + warps - 1) / warps, 64L * ctx.multiprocessors);
        ctx.launch(Kernels.GEMV_4BIT, new LaunchConfig(Math.max(1, blocks), 1, 1, 32, warps, 1, 0), y, packed, absmax, x,
                rows, cols, blocksize, codebook.clone());
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

    private static int lastDim(Tensor t) {
        if (t.rank() == 0) throw new IllegalArgumentException("expected at least one dimension, got a scalar");
        return t.size(-1);
    }

    private static int rowsOf(Tensor t) {
        int cols = t.size(-1);
        return cols == 0 ? 0 : t.numel() / cols;
    }

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

    private void optionalVector(String op, String name, Tensor t, int n) {
        if (t != null) f32(op, name, t, n);
    }

    private void indexVector(String op, String name, Tensor t, int n) {
        onDevice(op, name, t);
        if ((t.dtype() != DType.I32 && t.dtype() != DType.I64) || !t.isContiguous() || t.numel() != n)
            throw new IllegalArgumentException(op + ": " + name + " must be a contiguous int32/int64 tensor of " + n
                    + " elements, got " + t.dtype() + " " + Shape.str(t.shape()));
    }
}
