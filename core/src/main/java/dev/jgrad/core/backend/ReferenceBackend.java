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

    // ---- 4-bit weights ------------------------------------------------------------------------

    @Override
    public void matmul4bit(Tensor x, Weight4bit w, Tensor y) {
        w.checkProduct("matmul4bit", x, w.inFeatures(), y, w.outFeatures());
        Rows xs = new Rows(x), ys = new Rows(y);
        Decoded4bit wd = new Decoded4bit(w);
        for (int i = 0; i < xs.rows; i++) {
            for (int o = 0; o < w.outFeatures(); o++) {
                double sum = 0;
                for (int k = 0; k < w.inFeatures(); k++) sum += xs.get(i, k) * wd.get(o, k);
                ys.set(i, o, sum);
            }
        }
    }

    @Override
    public void matmul4bitInputGradient(Tensor gy, Weight4bit w, Tensor gx) {
        w.checkProduct("matmul4bitInputGradient", gy, w.outFeatures(), gx, w.inFeatures());
        Rows gs = new Rows(gy), gxs = new Rows(gx);
        Decoded4bit wd = new Decoded4bit(w);
        for (int i = 0; i < gs.rows; i++) {
            for (int k = 0; k < w.inFeatures(); k++) {
                double sum = 0;
                for (int o = 0; o < w.outFeatures(); o++) sum += gs.get(i, o) * wd.get(o, k);
                gxs.set(i, k, sum);
            }
        }
    }

    /**
     * Element by element decoding of a 4-bit weight: {@code codebook[nibble(f)] · absmax[f / blocksize]}, the product
     * rounded to float32 as bitsandbytes' dequantization stores it.
     */
    private record Decoded4bit(Weight4bit w, Layout packed, Layout absmax) {
        Decoded4bit(Weight4bit w) {
            this(w, new Layout(w.packed()), new Layout(w.absmax()));
        }

        double get(int o, int k) {
            long f = (long) o * w.inFeatures() + k;
            int b = (int) w.packed().storage().getDouble(packed.at((int) (f / 2))); // U8: 0 … 255
            int nibble = f % 2 == 0 ? b >> 4 : b & 15;
            return w.codebook()[nibble] * (float) w.absmax().storage().getDouble(absmax.at((int) (f / w.blocksize())));
        }
    }

    // ---- fused normalisation ------------------------------------------------------------------

    @Override
    public void layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, Tensor y, Tensor mean, Tensor rstd) {
        Rows xs = new Rows(x), ys = new Rows(y);
        Vec w = Vec.of(weight, 1), b = Vec.of(bias, 0), ms = Vec.of(mean, 0), rs = Vec.of(rstd, 0);
        for (int r = 0; r < xs.rows; r++) {
            double sum = 0;
            for (int j = 0; j < xs.n; j++) sum += xs.get(r, j);
            double mu = sum / xs.n;
            double sq = 0;
            for (int j = 0; j < xs.n; j++) sq += (xs.get(r, j) - mu) * (xs.get(r, j) - mu);
            double rsd = 1.0 / Math.sqrt(sq / xs.n + eps);
            for (int j = 0; j < xs.n; j++) ys.set(r, j, (xs.get(r, j) - mu) * rsd * w.get(j) + b.get(j));
            ms.set(r, mu);
            rs.set(r, rsd);
        }
    }

    @Override
    public void layerNormBackward(Tensor gy, Tensor x, Tensor weight, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dweight, Tensor dbias) {
        Rows gs = new Rows(gy), xs = new Rows(x), dxs = dx == null ? null : new Rows(dx);
        Vec w = Vec.of(weight, 1), ms = Vec.of(mean, 0), rs = Vec.of(rstd, 0);
        int n = xs.n;
        double[] dw = new double[n], db = new double[n];
        for (int r = 0; r < xs.rows; r++) {
            double mu = ms.get(r), rsd = rs.get(r), sumG = 0, sumGX = 0;
            for (int j = 0; j < n; j++) {
                double xhat = (xs.get(r, j) - mu) * rsd, g = gs.get(r, j), ghat = g * w.get(j);
                sumG += ghat;
                sumGX += ghat * xhat;
                dw[j] += g * xhat;
                db[j] += g;
            }
            if (dxs == null) continue;
            for (int j = 0; j < n; j++) {
                double xhat = (xs.get(r, j) - mu) * rsd, ghat = gs.get(r, j) * w.get(j);
                dxs.set(r, j, rsd * (ghat - sumG / n - xhat * sumGX / n));
            }
        }
        Vec.of(dweight, 0).setAll(dw);
        Vec.of(dbias, 0).setAll(db);
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, double eps, Tensor y, Tensor rstd) {
        Rows xs = new Rows(x), ys = new Rows(y);
        Vec w = Vec.of(weight, 1), rs = Vec.of(rstd, 0);
        for (int r = 0; r < xs.rows; r++) {
            double sq = 0;
            for (int j = 0; j < xs.n; j++) sq += xs.get(r, j) * xs.get(r, j);
            double rsd = 1.0 / Math.sqrt(sq / xs.n + eps);
            for (int j = 0; j < xs.n; j++) ys.set(r, j, xs.get(r, j) * rsd * w.get(j));
            rs.set(r, rsd);
        }
    }

    @Override
    public void rmsNormBackward(Tensor gy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight) {
        Rows gs = new Rows(gy), xs = new Rows(x), dxs = dx == null ? null : new Rows(dx);
        Vec w = Vec.of(weight, 1), rs = Vec.of(rstd, 0);
        int n = xs.n;
        double[] dw = new double[n];
        for (int r = 0; r < xs.rows; r++) {
            double rsd = rs.get(r), sumGX = 0;
            for (int j = 0; j < n; j++) {
                double xhat = xs.get(r, j) * rsd, g = gs.get(r, j);
                sumGX += g * w.get(j) * xhat;
                dw[j] += g * xhat;
            }
            if (dxs == null) continue;
            for (int j = 0; j < n; j++) {
                double xhat = xs.get(r, j) * rsd;
                dxs.set(r, j, rsd * (gs.get(r, j) * w.get(j) - xhat * sumGX / n));
            }
        }
        Vec.of(dweight, 0).setAll(dw);
    }

    // ---- fused losses -------------------------------------------------------------------------

    @Override
    public void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, double labelSmoothing, Tensor loss, Tensor lse) {
        Rows xs = new Rows(logits);
        Vec ts = Vec.of(targets, 0), ls = Vec.of(loss, 0), lses = Vec.of(lse, 0);
        int classes = xs.n;
        for (int r = 0; r < xs.rows; r++) {
            double max = Double.NEGATIVE_INFINITY, sumX = 0;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, xs.get(r, c));
                sumX += xs.get(r, c);
            }
            double sumExp = 0;
            for (int c = 0; c < classes; c++) sumExp += Math.exp(xs.get(r, c) - max);
            double logSumExp = max + Math.log(sumExp);
            lses.set(r, logSumExp);
            int t = (int) ts.getLong(r);
            // Without smoothing there is no Σx term at all (a −∞ logit must not turn 0·Σx into NaN).
            double smoothTerm = labelSmoothing == 0 ? 0 : labelSmoothing / classes * sumX;
            ls.set(r, t == ignoreIndex ? 0 : logSumExp - (1 - labelSmoothing) * xs.get(r, t) - smoothTerm);
        }
    }

    @Override
    public void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor rowGrad, int ignoreIndex,
                                     double labelSmoothing, Tensor dlogits) {
        Rows xs = new Rows(logits), ds = new Rows(dlogits);
        Vec ts = Vec.of(targets, 0), lses = Vec.of(lse, 0), gs = Vec.of(rowGrad, 0);
        int classes = xs.n;
        for (int r = 0; r < xs.rows; r++) {
            int t = (int) ts.getLong(r);
            double g = t == ignoreIndex ? 0 : gs.get(r);
            for (int c = 0; c < classes; c++) {
                double target = labelSmoothing / classes + (c == t ? 1 - labelSmoothing : 0);
                ds.set(r, c, t == ignoreIndex ? 0 : g * (Math.exp(xs.get(r, c) - lses.get(r)) - target));
            }
        }
    }

    // ---- fused optimizer updates ----------------------------------------------------------------

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuffer, SgdConfig c, boolean firstStep) {
        Layout lp = new Layout(param), lg = new Layout(grad), lb = momentumBuffer == null ? null : new Layout(momentumBuffer);
        Storage sp = param.storage(), sg = grad.storage();
        for (int i = 0; i < lp.numel; i++) {
            double p = sp.getDouble(lp.at(i)), g = sg.getDouble(lg.at(i));
            if (c.weightDecay() != 0) g = g + c.weightDecay() * p;
            if (c.momentum() != 0) {
                int bi = lb.at(i);
                double b = firstStep ? g : c.momentum() * momentumBuffer.storage().getDouble(bi) + (1 - c.dampening()) * g;
                momentumBuffer.storage().setDouble(bi, b);
                b = momentumBuffer.storage().getDouble(bi); // as stored, like PyTorch's buffer
                g = c.nesterov() ? g + c.momentum() * b : b;
            }
            sp.setDouble(lp.at(i), p - c.lr() * g);
        }
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq,
                           AdamConfig c, long step) {
        Layout lp = new Layout(param), lg = new Layout(grad), lm = new Layout(expAvg), lv = new Layout(expAvgSq);
        Layout lmax = c.amsgrad() ? new Layout(maxExpAvgSq) : null;
        Storage sp = param.storage(), sg = grad.storage(), sm = expAvg.storage(), sv = expAvgSq.storage();
        double biasCorrection1 = 1 - Math.pow(c.beta1(), step), biasCorrection2 = 1 - Math.pow(c.beta2(), step);
        double stepSize = c.lr() / biasCorrection1, biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
        for (int i = 0; i < lp.numel; i++) {
            double p = sp.getDouble(lp.at(i)), g = sg.getDouble(lg.at(i));
            if (c.decoupled()) p = p * (1 - c.lr() * c.weightDecay());
            else if (c.weightDecay() != 0) g = g + c.weightDecay() * p;
            double m = sm.getDouble(lm.at(i)) * c.beta1() + (1 - c.beta1()) * g;
            double v = sv.getDouble(lv.at(i)) * c.beta2() + (1 - c.beta2()) * g * g;
            sm.setDouble(lm.at(i), m);
            sv.setDouble(lv.at(i), v);
            m = sm.getDouble(lm.at(i)); // continue from the stored (possibly float32) moments
            v = sv.getDouble(lv.at(i));
            if (c.amsgrad()) {
                int mi = lmax.at(i);
                v = Math.max(maxExpAvgSq.storage().getDouble(mi), v);
                maxExpAvgSq.storage().setDouble(mi, v);
            }
            double denom = Math.sqrt(v) / biasCorrection2Sqrt + c.eps();
            sp.setDouble(lp.at(i), p - stepSize * m / denom);
        }
    }

    /** A 2-D (rows, n) view read and written element by element in double precision. */
    private static final class Rows {
        final int rows, n;
        private final Layout layout;
        private final Storage storage;

        Rows(Tensor t) {
            if (t.rank() != 2) throw new IllegalArgumentException("expected a (rows, n) tensor, got rank " + t.rank());
            rows = t.size(0);
            n = t.size(1);
            layout = new Layout(t);
            storage = t.storage();
        }

        double get(int r, int j) {
            return storage.getDouble(layout.at(r * n + j));
        }

        void set(int r, int j, double v) {
            storage.setDouble(layout.at(r * n + j), v);
        }
    }

    /** A 1-D view, or a constant when the tensor is null (an absent weight or bias). */
    private record Vec(Tensor t, Layout layout, double constant) {
        static Vec of(Tensor t, double constant) {
            return new Vec(t, t == null ? null : new Layout(t), constant);
        }

        double get(int i) {
            return t == null ? constant : t.storage().getDouble(layout.at(i));
        }

        long getLong(int i) {
            return t.storage().getLong(layout.at(i));
        }

        void set(int i, double v) {
            if (t != null) t.storage().setDouble(layout.at(i), v);
        }

        void setAll(double[] values) {
            if (t != null) for (int i = 0; i < values.length; i++) set(i, values[i]);
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
