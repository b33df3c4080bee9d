package dev.jgrad.core.backend;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;

/**
 * The scalar reference backend: every kernel as the plainest possible loop over elements, computing in
 * double precision whatever the storage type. It serves three purposes: the oracle that the fast kernels are
 * tested against, the float64 path for gradient checks, and the fallback when the Vector API is not enabled.
 */
public class ReferenceBackend implements Backend {

    @Override
    public Device device() {
        return Device.cpu();
    }

    @Override
    public Storage allocate(DType dtype, int numel) {
        return Storage.Cpu.allocate(dtype, numel);
    }

    // ---- data movement ------------------------------------------------------------------------

    @Override
    public void copy(Tensor src, Tensor dst) {
        Layout s = new Layout(src), d = new Layout(dst);
        Storage ss = src.storage(), ds = dst.storage();
        boolean integral = !src.dtype().isFloatingPoint() && !dst.dtype().isFloatingPoint();
        for (int i = 0; i < d.numel; i++) {
            if (integral) ds.setLong(d.at(i), ss.getLong(s.at(i)));
            else ds.setDouble(d.at(i), ss.getDouble(s.at(i)));
        }
    }

    @Override
    public void fill(Tensor dst, double value) {
        Layout d = new Layout(dst);
        for (int i = 0; i < d.numel; i++) dst.storage().setDouble(d.at(i), value);
    }

    // ---- element-wise -------------------------------------------------------------------------

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor out) {
        Layout lx = new Layout(x), lo = new Layout(out);
        Storage sx = x.storage(), so = out.storage();
        for (int i = 0; i < lo.numel; i++) so.setDouble(lo.at(i), op.apply(sx.getDouble(lx.at(i))));
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        Layout la = new Layout(a), lb = new Layout(b), lo = new Layout(out);
        Storage sa = a.storage(), sb = b.storage(), so = out.storage();
        for (int i = 0; i < lo.numel; i++)
            so.setDouble(lo.at(i), op.apply(sa.getDouble(la.at(i)), sb.getDouble(lb.at(i))));
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        Layout lc = new Layout(cond), la = new Layout(a), lb = new Layout(b), lo = new Layout(out);
        for (int i = 0; i < lo.numel; i++) {
            boolean c = cond.storage().getDouble(lc.at(i)) != 0;
            out.storage().setDouble(lo.at(i), c ? a.storage().getDouble(la.at(i)) : b.storage().getDouble(lb.at(i)));
        }
    }

    // ---- reductions ---------------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, Tensor x, int dim, Tensor out) {
        Layout lx = new Layout(x), lo = new Layout(out);
        int n = lx.shape[dim], stride = lx.strides[dim];
        int[] idx = new int[lo.shape.length];
        for (int o = 0; o < lo.numel; o++) {
            lo.unravel(o, idx);
            int base = lx.at(idx); // idx[dim] == 0
            double acc = op == ReduceOp.SUM || op == ReduceOp.MEAN ? 0 : x.storage().getDouble(base);
            int best = 0;
            for (int r = 0; r < n; r++) {
                double v = x.storage().getDouble(base + r * stride);
                switch (op) {
                    case SUM, MEAN -> acc += v;
                    case MAX, ARGMAX -> {
                        if (!Double.isNaN(acc) && (v > acc || Double.isNaN(v))) { acc = v; best = r; }
                    }
                    case MIN, ARGMIN -> {
                        if (!Double.isNaN(acc) && (v < acc || Double.isNaN(v))) { acc = v; best = r; }
                    }
                }
            }
            if (op == ReduceOp.MEAN) acc /= n;
            if (op.producesIndices()) out.storage().setLong(lo.at(o), best);
            else out.storage().setDouble(lo.at(o), acc);
        }
    }

    @Override
    public void softmax(Tensor x, Tensor out, boolean log) {
        int n = x.size(-1), rows = x.numel() / Math.max(n, 1);
        Layout lx = new Layout(x), lo = new Layout(out);
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = Math.max(max, x.storage().getDouble(lx.at(r * n + j)));
            double sum = 0;
            for (int j = 0; j < n; j++) sum += Math.exp(x.storage().getDouble(lx.at(r * n + j)) - max);
            double logSum = Math.log(sum);
            for (int j = 0; j < n; j++) {
                double v = x.storage().getDouble(lx.at(r * n + j)) - max;
                out.storage().setDouble(lo.at(r * n + j), log ? v - logSum : Math.exp(v) / sum);
            }
        }
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor gy, Tensor gx, boolean log) {
        int n = y.size(-1), rows = y.numel() / Math.max(n, 1);
        Layout ly = new Layout(y), lg = new Layout(gy), lo = new Layout(gx);
        for (int r = 0; r < rows; r++) {
            double dot = 0;
            for (int j = 0; j < n; j++) {
                double g = gy.storage().getDouble(lg.at(r * n + j));
                dot += log ? g : g * y.storage().getDouble(ly.at(r * n + j));
            }
            for (int j = 0; j < n; j++) {
                double yv = y.storage().getDouble(ly.at(r * n + j)), g = gy.storage().getDouble(lg.at(r * n + j));
                gx.storage().setDouble(lo.at(r * n + j), log ? g - Math.exp(yv) * dot : yv * (g - dot));
            }
        }
    }

    @Override
    public void logsumexp(Tensor x, Tensor out) {
        int n = x.size(-1), rows = x.numel() / Math.max(n, 1);
        Layout lx = new Layout(x), lo = new Layout(out);
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = Math.max(max, x.storage().getDouble(lx.at(r * n + j)));
            double sum = 0;
            for (int j = 0; j < n; j++) sum += Math.exp(x.storage().getDouble(lx.at(r * n + j)) - max);
            out.storage().setDouble(lo.at(r), Double.isInfinite(max) ? max : max + Math.log(sum));
        }
    }

    // ---- matrix products ----------------------------------------------------------------------

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out, float beta) {
        int batch = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
        Storage sa = a.storage(), sb = b.storage(), so = out.storage();
        int[] as = a.strides(), bs = b.strides(), os = out.strides();
        for (int p = 0; p < batch; p++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int q = 0; q < k; q++) {
                        sum += sa.getDouble(a.offset() + p * as[0] + i * as[1] + q * as[2])
                                * sb.getDouble(b.offset() + p * bs[0] + q * bs[1] + j * bs[2]);
                    }
                    int o = out.offset() + p * os[0] + i * os[1] + j * os[2];
                    so.setDouble(o, beta == 0 ? sum : sum + beta * so.getDouble(o));
                }
            }
        }
    }

    // ---- indexing -----------------------------------------------------------------------------

    @Override
    public void indexSelect(Tensor x, int dim, Tensor index, Tensor out) {
        Layout lx = new Layout(x), lo = new Layout(out), li = new Layout(index);
        int[] idx = new int[lo.shape.length];
        for (int o = 0; o < lo.numel; o++) {
            lo.unravel(o, idx);
            idx[dim] = (int) index.storage().getLong(li.at(idx[dim]));
            out.storage().setDouble(lo.at(o), x.storage().getDouble(lx.at(idx)));
        }
    }

    @Override
    public void indexAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        Layout ld = new Layout(dst), ls = new Layout(src), li = new Layout(index);
        int[] idx = new int[ls.shape.length];
        for (int s = 0; s < ls.numel; s++) {
            ls.unravel(s, idx);
            double v = src.storage().getDouble(ls.at(s));
            idx[dim] = (int) index.storage().getLong(li.at(idx[dim]));
            int d = ld.at(idx);
            dst.storage().setDouble(d, dst.storage().getDouble(d) + v);
        }
    }

    @Override
    public void gather(Tensor x, int dim, Tensor index, Tensor out) {
        Layout lx = new Layout(x), lo = new Layout(out), li = new Layout(index);
        int[] idx = new int[lo.shape.length];
        for (int o = 0; o < lo.numel; o++) {
            lo.unravel(o, idx);
            idx[dim] = (int) index.storage().getLong(li.at(o));
            out.storage().setDouble(lo.at(o), x.storage().getDouble(lx.at(idx)));
        }
    }

    @Override
    public void scatterAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        Layout ld = new Layout(dst), ls = new Layout(src), li = new Layout(index);
        int[] idx = new int[li.shape.length];
        for (int s = 0; s < li.numel; s++) {
            li.unravel(s, idx);
            double v = src.storage().getDouble(ls.at(idx));
            idx[dim] = (int) index.storage().getLong(li.at(s));
            int d = ld.at(idx);
            dst.storage().setDouble(d, dst.storage().getDouble(d) + v);
        }
    }

    /** True if every tensor given is a float32 CPU tensor (the fast paths' precondition). */
    static boolean allF32(Tensor... ts) {
        for (Tensor t : ts) if (t.dtype() != DType.F32) return false;
        return true;
    }

    // =============================================================================================
    // Attention and rotary position embeddings (naive, materialised: ReferenceAttention)

    @Override
    public void attentionForward(Tensor q, Tensor k, Tensor v, Tensor keyPaddingMask, AttentionParams params,
                                 Tensor out, Tensor lse) {
        ReferenceAttention.forward(q, k, v, keyPaddingMask, params, out, lse);
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor keyPaddingMask, AttentionParams params,
                                  Tensor out, Tensor lse, Tensor gradOut, Tensor gradQ, Tensor gradK, Tensor gradV) {
        ReferenceAttention.backward(q, k, v, keyPaddingMask, params, gradOut, gradQ, gradK, gradV);
    }

    @Override
    public void rope(Tensor x, Tensor positions, double theta, boolean interleaved, boolean inverse, Tensor out) {
        ReferenceAttention.rope(x, positions, theta, interleaved, inverse, out);
    }
}
