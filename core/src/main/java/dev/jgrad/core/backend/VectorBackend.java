package dev.jgrad.core.backend;

import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.kernels.Packed4bit;
import dev.jgrad.core.kernels.Sgemm;
import dev.jgrad.core.kernels.Sgemm4bit;
import dev.jgrad.core.kernels.Sgemv;
import dev.jgrad.core.kernels.VectorSgemv;
import dev.jgrad.core.kernels.VectorSgemm;
import dev.jgrad.core.kernels.VectorSgemm4bit;
import dev.jgrad.core.parallel.Parallel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fast CPU backend: float32 kernels on the Vector API, threaded on the shared pool. Anything else
 * (float64, integer types, unusual layouts) is handed to the {@link ReferenceBackend} it extends, so both
 * always agree on what is computed.
 */
public class VectorBackend extends ReferenceBackend {

    private static final VectorSpecies<Float> S = VectorMath.S;
    /** Elements per parallel task for memory-bound kernels: large enough to amortise a fork. */
    static final int GRAIN = 1 << 14;

    private final Sgemm sgemm = new VectorSgemm();
    private final Sgemv sgemv = new VectorSgemv();
    private final Sgemm4bit gemm4bit = new VectorSgemm4bit();

    static float[] f(Tensor t) {
        return ((Storage.FloatStorage) t.storage()).data;
    }

    // ---- data movement ------------------------------------------------------------------------

    @Override
    public void copy(Tensor src, Tensor dst) {
        if (!allF32(src, dst)) {
            super.copy(src, dst);
            return;
        }
        if (dst.numel() == 0) return;     // no runs: a zero-length run's offset may lie past an empty array
        float[] s = f(src), d = f(dst);
        StridedLoop loop = new StridedLoop(src, dst);
        int inner = loop.innerLength;
        boolean unit = loop.innerStrides[0] == 1 && loop.innerStrides[1] == 1;
        int ss = loop.innerStrides[0], ds = loop.innerStrides[1];
        Parallel.forRange(loop.outerCount(), Math.max(1, GRAIN / Math.max(inner, 1)), (from, to) ->
                loop.forRuns(from, to, (off, n) -> {
                    if (unit) {
                        System.arraycopy(s, off[0], d, off[1], n);
                    } else {
                        for (int i = 0, a = off[0], b = off[1]; i < n; i++, a += ss, b += ds) d[b] = s[a];
                    }
                }));
    }

    @Override
    public void fill(Tensor dst, double value) {
        if (!allF32(dst)) {
            super.fill(dst, value);
            return;
        }
        float[] d = f(dst);
        float v = (float) value;
        StridedLoop loop = new StridedLoop(dst);
        int ds = loop.innerStrides[0];
        loop.forRuns(0, loop.outerCount(), (off, n) -> {
            if (ds == 1) java.util.Arrays.fill(d, off[0], off[0] + n, v);
            else for (int i = 0, p = off[0]; i < n; i++, p += ds) d[p] = v;
        });
    }

    // ---- element-wise -------------------------------------------------------------------------

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor out) {
        if (!allF32(x, out)) {
            super.unary(op, x, out);
            return;
        }
        StridedLoop loop = new StridedLoop(x, out);
        if (!loop.innerUnitOrBroadcast(1) || loop.innerStrides[0] != 1 && loop.innerLength > 1) {
            super.unary(op, x, out);
            return;
        }
        float[] xs = f(x), os = f(out);
        forRunsParallel(loop, (off, n) -> VectorElementwise.unary(op, xs, off[0], os, off[1], n));
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        if (op.isComparison() || !allF32(a, b, out) || op == BinaryOp.POW) {
            super.binary(op, a, b, out);
            return;
        }
        StridedLoop loop = new StridedLoop(a, b, out);
        if (!loop.innerUnitOrBroadcast(2)) {
            super.binary(op, a, b, out);
            return;
        }
        float[] as = f(a), bs = f(b), os = f(out);
        int sa = loop.innerLength > 1 ? loop.innerStrides[0] : 1, sb = loop.innerLength > 1 ? loop.innerStrides[1] : 1;
        forRunsParallel(loop, (off, n) -> VectorElementwise.binary(op, as, off[0], sa, bs, off[1], sb, os, off[2], n));
    }

    private static void forRunsParallel(StridedLoop loop, StridedLoop.RunBody body) {
        int runs = loop.outerCount(), inner = loop.innerLength;
        if (runs == 1 && inner >= 2 * GRAIN) {
            // One long run: split it into fixed blocks of GRAIN elements (a multiple of every vector length),
            // so the same elements take the vector path whatever the thread count.
            int[] base = loop.offsets.clone();
            int[] st = loop.innerStrides;
            int blocks = (inner + GRAIN - 1) / GRAIN;
            Parallel.forRange(blocks, 1, (fromBlock, toBlock) -> {
                int from = fromBlock * GRAIN, to = Math.min(inner, toBlock * GRAIN);
                int[] off = new int[base.length];
                for (int k = 0; k < off.length; k++) off[k] = base[k] + from * st[k];
                body.run(off, to - from);
            });
            return;
        }
        Parallel.forRange(runs, Math.max(1, GRAIN / Math.max(inner, 1)), (from, to) -> loop.forRuns(from, to, body));
    }

    // ---- reductions ---------------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, Tensor x, int dim, Tensor out) {
        if (!allF32(x) || !x.isContiguous() || (op != ReduceOp.SUM && op != ReduceOp.MEAN)) {
            super.reduce(op, x, dim, out);
            return;
        }
        int[] shape = x.shape();
        int outer = 1, inner = 1, r = shape[dim];
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.length; i++) inner *= shape[i];
        float[] xs = f(x), os = f(out);
        int xo = x.offset(), oo = out.offset();
        float scale = op == ReduceOp.MEAN ? 1f / r : 1f;
        final int fo = outer, fi = inner, fr = r;
        if (inner == 1 && outer == 1) {
            // One long vector: fixed-size blocks summed in parallel, then combined in block order.
            int blocks = (r + GRAIN - 1) / GRAIN;
            float[] partial = new float[Math.max(blocks, 1)];
            Parallel.forRange(blocks, 1, (from, to) -> {
                for (int bIdx = from; bIdx < to; bIdx++) {
                    int start = bIdx * GRAIN;
                    partial[bIdx] = VectorElementwise.sum(xs, xo + start, Math.min(GRAIN, fr - start));
                }
            });
            float s = 0;
            for (float p : partial) s += p;
            os[oo] = s * scale;
        } else if (inner == 1) {
            Parallel.forRange(outer, Math.max(1, GRAIN / Math.max(r, 1)), (from, to) -> {
                for (int o = from; o < to; o++) os[oo + o] = VectorElementwise.sum(xs, xo + o * fr, fr) * scale;
            });
        } else {
            // out[o, i] = Σ_r x[o, r, i]: accumulate whole rows, vectorised along i.
            Parallel.forRange(fo * ((fi + 1023) / 1024), Math.max(1, GRAIN / Math.max(fr * Math.min(fi, 1024), 1)), (from, to) -> {
                int tiles = (fi + 1023) / 1024;
                for (int t = from; t < to; t++) {
                    int o = t / tiles, i0 = (t % tiles) * 1024, len = Math.min(1024, fi - i0);
                    int dst = oo + o * fi + i0;
                    java.util.Arrays.fill(os, dst, dst + len, 0f);
                    for (int q = 0; q < fr; q++) VectorElementwise.accumulate(os, dst, xs, xo + (o * fr + q) * fi + i0, len);
                    if (scale != 1f) for (int j = 0; j < len; j++) os[dst + j] *= scale;
                }
            });
        }
    }

    @Override
    public void softmax(Tensor x, Tensor out, boolean log) {
        if (!allF32(x, out) || !x.isContiguous() || !out.isContiguous()) {
            super.softmax(x, out, log);
            return;
        }
        int n = x.size(-1), rows = x.numel() / Math.max(n, 1);
        float[] xs = f(x), os = f(out);
        int xo = x.offset(), oo = out.offset();
        Parallel.forRange(rows, Math.max(1, GRAIN / Math.max(n, 1)), (from, to) -> {
            for (int r = from; r < to; r++) softmaxRow(xs, xo + r * n, os, oo + r * n, n, log);
        });
    }

    /** One row: m = max, s = Σ e^(x−m); out = e^(x−m)/s, or x − m − ln s for log-softmax. */
    static void softmaxRow(float[] x, int xo, float[] out, int oo, int n, boolean log) {
        float m = VectorElementwise.max(x, xo, n);
        if (m == Float.NEGATIVE_INFINITY) m = 0; // an all −∞ row gives NaN like PyTorch via 0/0 below
        FloatVector vm = FloatVector.broadcast(S, m);
        FloatVector acc = FloatVector.zero(S);
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += S.length()) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, xo + i).sub(vm));
            if (!log) e.intoArray(out, oo + i);
            acc = acc.add(e);
        }
        float sum = VectorMath.sumLanes(acc);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[xo + i] - m);
            if (!log) out[oo + i] = e;
            sum += e;
        }
        if (log) {
            float shift = m + (float) Math.log(sum);
            FloatVector vs = FloatVector.broadcast(S, shift);
            for (i = 0; i < bound; i += S.length()) FloatVector.fromArray(S, x, xo + i).sub(vs).intoArray(out, oo + i);
            for (; i < n; i++) out[oo + i] = x[xo + i] - shift;
        } else {
            float inv = 1f / sum;
            for (i = 0; i < bound; i += S.length()) FloatVector.fromArray(S, out, oo + i).mul(inv).intoArray(out, oo + i);
            for (; i < n; i++) out[oo + i] *= inv;
        }
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor gy, Tensor gx, boolean log) {
        if (!allF32(y, gy, gx) || !y.isContiguous() || !gy.isContiguous() || !gx.isContiguous()) {
            super.softmaxBackward(y, gy, gx, log);
            return;
        }
        int n = y.size(-1), rows = y.numel() / Math.max(n, 1);
        float[] ys = f(y), gs = f(gy), os = f(gx);
        int yo = y.offset(), go = gy.offset(), oo = gx.offset();
        Parallel.forRange(rows, Math.max(1, GRAIN / Math.max(n, 1)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int yr = yo + r * n, gr = go + r * n, or = oo + r * n;
                float dot = 0;
                if (log) dot = VectorElementwise.sum(gs, gr, n);
                else for (int j = 0; j < n; j++) dot += gs[gr + j] * ys[yr + j];
                for (int j = 0; j < n; j++)
                    os[or + j] = log ? gs[gr + j] - (float) Math.exp(ys[yr + j]) * dot : ys[yr + j] * (gs[gr + j] - dot);
            }
        });
    }

    @Override
    public void logsumexp(Tensor x, Tensor out) {
        if (!allF32(x, out) || !x.isContiguous()) {
            super.logsumexp(x, out);
            return;
        }
        int n = x.size(-1), rows = x.numel() / Math.max(n, 1);
        float[] xs = f(x), os = f(out);
        int xo = x.offset(), oo = out.offset();
        Parallel.forRange(rows, Math.max(1, GRAIN / Math.max(n, 1)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int base = xo + r * n;
                float m = VectorElementwise.max(xs, base, n);
                if (Float.isInfinite(m)) {
                    os[oo + r] = m;
                    continue;
                }
                FloatVector vm = FloatVector.broadcast(S, m), acc = FloatVector.zero(S);
                int i = 0;
                for (; i < S.loopBound(n); i += S.length())
                    acc = acc.add(VectorMath.exp(FloatVector.fromArray(S, xs, base + i).sub(vm)));
                float s = VectorMath.sumLanes(acc);
                for (; i < n; i++) s += (float) Math.exp(xs[base + i] - m);
                os[oo + r] = m + (float) Math.log(s);
            }
        });
    }

    // ---- matrix products ----------------------------------------------------------------------

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out, float beta) {
        if (!allF32(a, b, out) || out.stride(2) != 1 && out.size(2) > 1) {
            super.matmul(a, b, out, beta);
            return;
        }
        int batch = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
        boolean ta = a.stride(2) != 1 && k > 1, tb = b.stride(2) != 1 && n > 1;
        int lda = ta ? a.stride(2) : a.stride(1), ldb = tb ? b.stride(2) : b.stride(1);
        if (ta && a.stride(1) != 1 && m > 1 || tb && b.stride(1) != 1 && k > 1) {
            super.matmul(a, b, out, beta);
            return;
        }
        // Degenerate dims carry no stride information: give BLAS-valid leading dimensions.
        if (!ta) lda = Math.max(lda, k);
        else lda = Math.max(lda, m);
        if (!tb) ldb = Math.max(ldb, n);
        else ldb = Math.max(ldb, k);
        int ldc = Math.max(out.stride(1), n);
        if (m == 1 && (!ta || k == 1)) {
            rowTimesMatrix(a, b, out, beta, tb, ldb);
            return;
        }
        sgemm.sgemmBatched(batch, ta, tb, m, n, k, 1f,
                f(a), a.offset(), lda, a.stride(0),
                f(b), b.offset(), ldb, b.stride(0),
                beta, f(out), out.offset(), ldc, out.stride(0));
    }

    /**
     * {@code out = a·b + beta·out} for one-row {@code a (batch, 1, k)}: a matrix-vector product, which reads each
     * element of b once and is bound by memory bandwidth (the decode step of a language model, where b is a
     * weight). Packing b for SGEMM would cost more than the product itself. With {@code tb}, b is the transposed
     * view of a row-major {@code (n, k)} weight W and {@code out = W·aᵀ}; otherwise b is a row-major
     * {@code (k, n)} matrix and {@code out = bᵀ·aᵀ}.
     */
    private void rowTimesMatrix(Tensor a, Tensor b, Tensor out, float beta, boolean tb, int ldb) {
        int batch = out.size(0), n = out.size(2), k = a.size(2);
        float[] as = f(a), bs = f(b), os = f(out);
        for (int i = 0; i < batch; i++) {
            int ao = a.offset() + i * a.stride(0), bo = b.offset() + i * b.stride(0), oo = out.offset() + i * out.stride(0);
            if (tb) sgemv.sgemv(false, n, k, 1f, bs, bo, ldb, as, ao, beta, os, oo);
            else sgemv.sgemv(true, k, n, 1f, bs, bo, ldb, as, ao, beta, os, oo);
        }
    }

    // ---- indexing -----------------------------------------------------------------------------

    @Override
    public void indexSelect(Tensor x, int dim, Tensor index, Tensor out) {
        if (dim != 0 || x.rank() != 2 || !allF32(x, out) || !x.isContiguous() || !out.isContiguous()) {
            super.indexSelect(x, dim, index, out);
            return;
        }
        // Embedding-style row gather: out[i, :] = x[index[i], :].
        int cols = x.size(1), rows = index.size(0);
        float[] xs = f(x), os = f(out);
        long[] ids = index.toLongArray();
        Parallel.forRange(rows, Math.max(1, GRAIN / Math.max(cols, 1)), (from, to) -> {
            for (int i = from; i < to; i++)
                System.arraycopy(xs, x.offset() + (int) ids[i] * cols, os, out.offset() + i * cols, cols);
        });
    }

    @Override
    public void indexAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        if (dim != 0 || dst.rank() != 2 || !allF32(dst, src) || !dst.isContiguous() || !src.isContiguous()) {
            super.indexAdd(dst, dim, index, src);
            return;
        }
        // Embedding backward: dst[index[i], :] += src[i, :], in index order (repeated ids add up identically
        // on every run).
        int cols = dst.size(1), rows = index.size(0);
        float[] ds = f(dst), ss = f(src);
        long[] ids = index.toLongArray();
        for (int i = 0; i < rows; i++)
            VectorElementwise.accumulate(ds, dst.offset() + (int) ids[i] * cols, ss, src.offset() + i * cols, cols);
    }

    // ---- 4-bit weights (VectorSgemm4bit: decoded in registers, never copied to float) ----------------

    @Override
    public void matmul4bit(Tensor x, Weight4bit w, Tensor y) {
        int rows = w.checkProduct("matmul4bit", x, w.inFeatures(), y, w.outFeatures());
        Tensor xc = x.isContiguous() ? x : x.contiguousCopy(), yc = y.isContiguous() ? y : y.contiguousCopy();
        gemm4bit.matmul(packed4bit(w), rows, f(xc), xc.offset(), f(yc), yc.offset()); // rows = 1: matvec
        if (yc != y) copy(yc, y);
    }

    @Override
    public void matmul4bitInputGradient(Tensor gy, Weight4bit w, Tensor gx) {
        int rows = w.checkProduct("matmul4bitInputGradient", gy, w.outFeatures(), gx, w.inFeatures());
        Tensor gc = gy.isContiguous() ? gy : gy.contiguousCopy(), gxc = gx.isContiguous() ? gx : gx.contiguousCopy();
        gemm4bit.inputGradient(packed4bit(w), rows, f(gc), gc.offset(), f(gxc), gxc.offset());
        if (gxc != gx) copy(gxc, gx);
    }

    /** The weight's host arrays (held; copied only when a tensor starts inside its storage). */
    private static Packed4bit packed4bit(Weight4bit w) {
        Tensor p = w.packed(), a = w.absmax();
        byte[] bytes = ((Storage.ByteStorage) p.storage()).data;
        if (p.offset() != 0) bytes = java.util.Arrays.copyOfRange(bytes, p.offset(), p.offset() + p.numel());
        float[] scales = f(a);
        if (a.offset() != 0) scales = java.util.Arrays.copyOfRange(scales, a.offset(), a.offset() + a.numel());
        return new Packed4bit(bytes, scales, w.codebook(), w.blocksize(), w.outFeatures(), w.inFeatures());
    }

    // ---- fused normalisation (VectorNorms) ------------------------------------------------------

    /** True when every non-null tensor is float32 and contiguous: the fused kernels' fast-path condition. */
    private static boolean dense(Tensor... ts) {
        for (Tensor t : ts) if (t != null && (t.dtype() != dev.jgrad.core.DType.F32 || !t.isContiguous())) return false;
        return true;
    }

    private static float[] fOrNull(Tensor t) {
        return t == null ? null : f(t);
    }

    private static int off(Tensor t) {
        return t == null ? 0 : t.offset();
    }

    private static VectorNorms.Args normArgs(Tensor x, Tensor w, Tensor b) {
        return new VectorNorms.Args(f(x), x.offset(), fOrNull(w), off(w), fOrNull(b), off(b), x.size(0), x.size(1));
    }

    @Override
    public void layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, Tensor y, Tensor mean, Tensor rstd) {
        if (!dense(x, weight, bias, y, mean, rstd)) {
            super.layerNorm(x, weight, bias, eps, y, mean, rstd);
            return;
        }
        VectorNorms.layerNorm(normArgs(x, weight, bias), (float) eps, f(y), y.offset(), f(mean), mean.offset(),
                f(rstd), rstd.offset());
    }

    @Override
    public void layerNormBackward(Tensor gy, Tensor x, Tensor weight, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dweight, Tensor dbias) {
        if (!dense(gy, x, weight, mean, rstd, dx, dweight, dbias)) {
            super.layerNormBackward(gy, x, weight, mean, rstd, dx, dweight, dbias);
            return;
        }
        VectorNorms.layerNormBackward(normArgs(x, weight, null), f(gy), gy.offset(), f(mean), mean.offset(),
                f(rstd), rstd.offset(), fOrNull(dx), off(dx), fOrNull(dweight), off(dweight), fOrNull(dbias), off(dbias));
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, double eps, Tensor y, Tensor rstd) {
        if (!dense(x, weight, y, rstd)) {
            super.rmsNorm(x, weight, eps, y, rstd);
            return;
        }
        VectorNorms.rmsNorm(normArgs(x, weight, null), (float) eps, f(y), y.offset(), f(rstd), rstd.offset());
    }

    @Override
    public void rmsNormBackward(Tensor gy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight) {
        if (!dense(gy, x, weight, rstd, dx, dweight)) {
            super.rmsNormBackward(gy, x, weight, rstd, dx, dweight);
            return;
        }
        VectorNorms.rmsNormBackward(normArgs(x, weight, null), f(gy), gy.offset(), f(rstd), rstd.offset(),
                fOrNull(dx), off(dx), fOrNull(dweight), off(dweight));
    }

    // ---- fused losses (VectorLosses) -------------------------------------------------------------

    @Override
    public void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, double labelSmoothing, Tensor loss, Tensor lse) {
        if (!dense(logits, loss, lse)) {
            super.crossEntropy(logits, targets, ignoreIndex, labelSmoothing, loss, lse);
            return;
        }
        VectorLosses.crossEntropy(f(logits), logits.offset(), targets.toLongArray(), logits.size(0), logits.size(1),
                ignoreIndex, (float) labelSmoothing, f(loss), loss.offset(), f(lse), lse.offset());
    }

    @Override
    public void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor rowGrad, int ignoreIndex,
                                     double labelSmoothing, Tensor dlogits) {
        if (!dense(logits, lse, dlogits) || rowGrad.dtype() != dev.jgrad.core.DType.F32) {
            super.crossEntropyBackward(logits, targets, lse, rowGrad, ignoreIndex, labelSmoothing, dlogits);
            return;
        }
        VectorLosses.crossEntropyBackward(f(logits), logits.offset(), targets.toLongArray(), f(lse), lse.offset(),
                rowGrad.toFloatArray(), logits.size(0), logits.size(1), ignoreIndex, (float) labelSmoothing,
                f(dlogits), dlogits.offset());
    }

    // ---- fused optimizer updates (VectorOptim) -----------------------------------------------------

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuffer, SgdConfig config, boolean firstStep) {
        if (!dense(param, grad, momentumBuffer)) {
            super.sgdUpdate(param, grad, momentumBuffer, config, firstStep);
            return;
        }
        VectorOptim.sgd(f(param), param.offset(), f(grad), grad.offset(), fOrNull(momentumBuffer), off(momentumBuffer),
                param.numel(), config, firstStep);
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq,
                           AdamConfig config, long step) {
        if (!dense(param, grad, expAvg, expAvgSq, config.amsgrad() ? maxExpAvgSq : null)) {
            super.adamUpdate(param, grad, expAvg, expAvgSq, maxExpAvgSq, config, step);
            return;
        }
        VectorOptim.adam(f(param), param.offset(), f(grad), grad.offset(), f(expAvg), expAvg.offset(),
                f(expAvgSq), expAvgSq.offset(), config.amsgrad() ? f(maxExpAvgSq) : null,
                config.amsgrad() ? maxExpAvgSq.offset() : 0, param.numel(), config, step);
    }

    // =============================================================================================
    // Attention and rotary position embeddings (kernels in VectorAttention, AttentionTiles, VectorRope)

    @Override
    public void attentionForward(Tensor q, Tensor k, Tensor v, Tensor keyPaddingMask, AttentionParams params,
                                 Tensor out, Tensor lse) {
        if (!allF32(q, k, v, out, lse) || !out.isContiguous() || !lse.isContiguous()) {
            super.attentionForward(q, k, v, keyPaddingMask, params, out, lse);
            return;
        }
        VectorAttention.forward(unitRows(q), unitRows(k), unitRows(v), keyPaddingMask, params, out, lse);
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor keyPaddingMask, AttentionParams params,
                                  Tensor out, Tensor lse, Tensor gradOut, Tensor gradQ, Tensor gradK, Tensor gradV) {
        if (!allF32(q, k, v, out, lse, gradOut, gradQ, gradK, gradV)
                || !gradQ.isContiguous() || !gradK.isContiguous() || !gradV.isContiguous()) {
            super.attentionBackward(q, k, v, keyPaddingMask, params, out, lse, gradOut, gradQ, gradK, gradV);
            return;
        }
        VectorAttention.backward(unitRows(q), unitRows(k), unitRows(v), keyPaddingMask, params, unitRows(out), lse,
                unitRows(gradOut), gradQ, gradK, gradV);
    }

    @Override
    public void rope(Tensor x, Tensor positions, double theta, boolean interleaved, boolean inverse, Tensor out) {
        long[] pos = positions.toLongArray();
        long maxPosition = 0;
        for (long p : pos) maxPosition = Math.max(maxPosition, p);
        RopeTables.Table table = allF32(x, out) && out.isContiguous()
                ? RopeTables.get(theta, x.size(3), (int) Math.min(maxPosition + 1, Integer.MAX_VALUE)) : null;
        if (table == null) { // other dtypes, or positions beyond the cached tables
            super.rope(x, positions, theta, interleaved, inverse, out);
            return;
        }
        VectorRope.apply(unitRows(x), pos, positions.rank() == 2, table, interleaved, inverse, out);
    }

    /** {@code t} itself when its last dimension has unit stride (rows are runs), else a contiguous copy. */
    private static Tensor unitRows(Tensor t) {
        return t.stride(-1) == 1 || t.size(-1) == 1 ? t : t.contiguousCopy();
    }
}
