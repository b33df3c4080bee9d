package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.AttentionDropout;
import dev.jgrad.core.backend.AttentionParams;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fused attention and rotary embeddings of {@link CudaBackend}, with the reference backend's semantics: GQA,
 * key-padding mask (true = ignore), causal mask aligned to the end (KV-cache decoding), dropout drawn by the
 * CPU's counter-based hash ({@link AttentionDropout}, transcribed in jgrad.cuh) so that the GPU drops exactly the
 * weights the CPU drops, lse saved for the backward.
 *
 * <p>Float32 with head dim 32, 64, 96 or 128 runs the tiled flash kernels (attention.cu); any other head dim,
 * and float64, the generic kernels (attention_generic.cu). q, k, v and the output gradient are made contiguous
 * on the device first when they are views.
 */
final class CudaAttention {

    private final CudaBackend backend;
    private final CudaContext ctx;
    /** Device tables of RoPE inverse frequencies (F64, D/2), per (θ bits, D); unscoped, kept for the process. */
    private final Map<InvFreqKey, Tensor> inverseFrequencies = new ConcurrentHashMap<>();

    private record InvFreqKey(long thetaBits, int d) {}

    CudaAttention(CudaBackend backend, CudaContext ctx) {
        this.backend = backend;
        this.ctx = ctx;
    }

    /** The dropout arguments of every attention kernel: seed, enabled, threshold, 1/(1 − p). */
    record Dropout(long seed, int enabled, int threshold, double keepScale) {
        static Dropout of(AttentionParams p) {
            if (!p.dropout()) return new Dropout(0L, 0, 0, 1.0);
            return new Dropout(p.dropoutSeed(), 1, AttentionDropout.threshold(p.dropoutP()), 1 / (1 - p.dropoutP()));
        }
    }

    /** The kernels have no sliding-window mask yet; a windowed call is refused rather than computed without it. */
    private static void refuseWindow(AttentionParams p) {
        if (p.window() > 0)
            throw new UnsupportedOperationException("sliding-window attention (window " + p.window()
                    + ") is not supported on CUDA yet; run this model on the CPU");
    }

    void forward(Tensor q, Tensor k, Tensor v, Tensor mask, AttentionParams p, Tensor out, Tensor lse) {
        refuseWindow(p);
        AttentionShape s = AttentionShape.of(q, k, v);
        checkMask(s, mask);
        CudaNormsAndLosses.checkShape("attentionForward", "out", out, q.shape());
        CudaNormsAndLosses.checkShape("attentionForward", "lse", lse, s.batch(), s.heads(), s.queries());
        Dropout drop = Dropout.of(p);
        try (DenseOperands ops = new DenseOperands(backend, "attentionForward", q.dtype())) {
            Tensor qd = ops.in(q), kd = ops.in(k), vd = ops.in(v), md = ops.mask(mask);
            Tensor od = ops.out(out), ld = ops.out(lse);
            if (s.batch() == 0 || s.heads() == 0 || s.queries() == 0) return;
            int causal = p.causal() ? 1 : 0;
            if (s.tiled(ops.dtype())) {
                ctx.launch(Kernels.ATTENTION_FORWARD[s.variant()], s.queryGrid(s.forwardSharedBytes()), od, ld, qd, kd,
                        vd, md, s.heads(), s.kvHeads(), s.queries(), s.keys(), (float) p.scale(), causal, drop.seed(),
                        drop.enabled(), drop.threshold(), (float) drop.keepScale());
            } else {
                int t = Kernels.typeIndex(ops.dtype());
                ctx.launch(Kernels.ATTENTION_FORWARD_GENERIC[t],
                        s.genericGrid(false, s.genericForwardSharedBytes(ops.dtype().byteSize())), od, ld, qd, kd, vd, md,
                        s.heads(), s.kvHeads(), s.queries(), s.keys(), s.headDim(), scalar(t, p.scale()), causal,
                        drop.seed(), drop.enabled(), drop.threshold(), scalar(t, drop.keepScale()));
            }
        }
    }

    void backward(Tensor q, Tensor k, Tensor v, Tensor mask, AttentionParams p, Tensor out, Tensor lse, Tensor gradOut,
                  Tensor gradQ, Tensor gradK, Tensor gradV) {
        refuseWindow(p);
        AttentionShape s = AttentionShape.of(q, k, v);
        checkMask(s, mask);
        for (Tensor t : new Tensor[] {out, gradOut, gradQ})
            CudaNormsAndLosses.checkShape("attentionBackward", "a q-shaped tensor", t, q.shape());
        for (Tensor t : new Tensor[] {gradK, gradV})
            CudaNormsAndLosses.checkShape("attentionBackward", "a k-shaped tensor", t, k.shape());
        CudaNormsAndLosses.checkShape("attentionBackward", "lse", lse, s.batch(), s.heads(), s.queries());
        Dropout drop = Dropout.of(p);
        try (DenseOperands ops = new DenseOperands(backend, "attentionBackward", q.dtype())) {
            Tensor qd = ops.in(q), kd = ops.in(k), vd = ops.in(v), md = ops.mask(mask);
            Tensor od = ops.in(out), ld = ops.in(lse), gd = ops.in(gradOut);
            Tensor dq = ops.out(gradQ), dk = ops.out(gradK), dv = ops.out(gradV);
            if (s.batch() == 0 || s.heads() == 0) return;
            int t = Kernels.typeIndex(ops.dtype()), causal = p.causal() ? 1 : 0;
            int rows = s.batch() * s.heads() * s.queries();
            Tensor delta = ops.scratch(ops.dtype(), s.batch(), s.heads(), s.queries());
            if (rows > 0)
                ctx.launch(Kernels.ATTENTION_DELTA[t], LaunchConfig.elementwise(rows, ctx.multiprocessors), delta, od, gd,
                        rows, s.headDim());
            if (s.tiled(ops.dtype())) {
                int vi = s.variant();
                float scale = (float) p.scale(), keep = (float) drop.keepScale();
                if (s.keys() > 0)
                    ctx.launch(Kernels.ATTENTION_BACKWARD_DKDV[vi], s.keyGrid(s.dkdvSharedBytes()), dk, dv, qd, kd, vd, gd,
                            ld, delta, md, s.heads(), s.kvHeads(), s.queries(), s.keys(), scale, causal, drop.seed(),
                            drop.enabled(), drop.threshold(), keep);
                if (s.queries() > 0)
                    ctx.launch(Kernels.ATTENTION_BACKWARD_DQ[vi], s.queryGrid(s.dqSharedBytes()), dq, qd, kd, vd, gd, ld,
                            delta, md, s.heads(), s.kvHeads(), s.queries(), s.keys(), scale, causal, drop.seed(),
                            drop.enabled(), drop.threshold(), keep);
            } else {
                int bytes = ops.dtype().byteSize();
                Object scale = scalar(t, p.scale()), keep = scalar(t, drop.keepScale());
                if (s.keys() > 0)
                    ctx.launch(Kernels.ATTENTION_BACKWARD_DKDV_GENERIC[t], s.genericGrid(true, s.genericDkdvSharedBytes(bytes)),
                            dk, dv, qd, kd, vd, gd, ld, delta, md, s.heads(), s.kvHeads(), s.queries(), s.keys(),
                            s.headDim(), scale, causal, drop.seed(), drop.enabled(), drop.threshold(), keep);
                if (s.queries() > 0)
                    ctx.launch(Kernels.ATTENTION_BACKWARD_DQ_GENERIC[t], s.genericGrid(false, s.genericDqSharedBytes(bytes)),
                            dq, qd, kd, vd, gd, ld, delta, md, s.heads(), s.kvHeads(), s.queries(), s.keys(), s.headDim(),
                            scale, causal, drop.seed(), drop.enabled(), drop.threshold(), keep);
            }
        }
    }

    /** A kernel scalar of the compute dtype: Float for the float32 instantiation (index 0), Double for float64. */
    static Object scalar(int typeIndex, double value) {
        return typeIndex == 0 ? (Object) (float) value : (Object) value;
    }

    private static void checkMask(AttentionShape s, Tensor mask) {
        if (mask == null) return;
        if (mask.dtype() != DType.BOOL || !Arrays.equals(mask.shape(), new int[] {s.batch(), s.keys()}))
            throw new IllegalArgumentException("attention: keyPaddingMask must be BOOL (B, Tk) = (" + s.batch() + ", "
                    + s.keys() + "), got " + mask.dtype() + " " + Shape.str(mask.shape()));
    }

    // ---- RoPE -----------------------------------------------------------------------------------------------

    /** x (B, H, T, D) any strides, D even; positions (T) or (B, T), I32/I64; out (B, H, T, D). */
    void rope(Tensor x, Tensor positions, double theta, boolean interleaved, boolean inverse, Tensor out) {
        if (x.rank() != 4 || x.size(3) % 2 != 0)
            throw new IllegalArgumentException("rope: x must be (B, H, T, D) with D even, got " + Shape.str(x.shape()));
        int b = x.size(0), h = x.size(1), t = x.size(2), d = x.size(3);
        boolean perBatch = positions.rank() == 2;
        if (!(positions.rank() == 1 && positions.size(0) == t) && !(perBatch && positions.size(0) == b && positions.size(1) == t))
            throw new IllegalArgumentException("rope: positions must be (T) = (" + t + ") or (B, T) = (" + b + ", " + t
                    + "), got " + Shape.str(positions.shape()));
        CudaNormsAndLosses.checkShape("rope", "out", out, x.shape());
        try (DenseOperands ops = new DenseOperands(backend, "rope", x.dtype())) {
            // x is read through its strides; only another dtype is converted.
            Tensor xd = x.dtype() == ops.dtype() ? requireDevice(x) : ops.in(x);
            Tensor pd = ops.indices(positions), od = ops.out(out);
            long work = (long) b * t * (d / 2);
            if (work == 0) return;
            ctx.launch(Kernels.ROPE[Kernels.typeIndex(ops.dtype())], LaunchConfig.elementwise(work, ctx.multiprocessors),
                    od, xd, pd, CudaDTypes.code(pd.dtype()), perBatch ? t : 0, 1, inverseFrequencies(theta, d), b, h, t, d,
                    xd.stride(0), xd.stride(1), xd.stride(2), xd.stride(3), interleaved ? 1 : 0, inverse ? 1 : 0);
        }
    }

    private Tensor requireDevice(Tensor t) {
        if (!t.device().equals(ctx.device))
            throw new IllegalArgumentException("rope: x is on " + t.device() + ", expected " + ctx.device);
        return t;
    }

    /**
     * {@code 1/θ^(2i/D)} for i < D/2, formed exactly as the reference backend forms it
     * ({@code 1.0 / StrictMath.pow(θ, 2.0·i/D)}), so the GPU rotates by the reference's angles.
     */
    static double[] inverseFrequencyTable(double theta, int d) {
        double[] inv = new double[d / 2];
        for (int i = 0; i < inv.length; i++) inv[i] = 1.0 / StrictMath.pow(theta, 2.0 * i / d);
        return inv;
    }

    private Tensor inverseFrequencies(double theta, int d) {
        return inverseFrequencies.computeIfAbsent(new InvFreqKey(Double.doubleToLongBits(theta), d),
                key -> CudaMemory.unscoped(Tensor.of(inverseFrequencyTable(theta, d)).to(ctx.device)));
    }
}
