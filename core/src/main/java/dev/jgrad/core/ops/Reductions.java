package dev.jgrad.core.ops;

import dev.jgrad.core.DType;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.backend.ReduceOp;

import java.util.Arrays;

/**
 * Reductions (sum, mean, var, max/min, arg-extrema, logsumexp) and softmax, each with its backward.
 */
public final class Reductions {

    private Reductions() {}

    /** Σ over {@code dims}.  Backward: the gradient broadcast back over the summed dims. */
    public static Tensor sum(Tensor x, int[] dims, boolean keepDim) {
        checkFloat("sum", x);
        int[] d = normalize("sum", x, dims);
        Tensor out = sumRaw(x, d, keepDim);
        int[] shape = x.shape();
        return Autograd.record("sum", out, x, new Tensor[0], g -> new Tensor[] {expandBack(g, shape, d, keepDim)});
    }

    /** Mean over {@code dims}.  Backward: the gradient broadcast back, divided by the count. */
    public static Tensor mean(Tensor x, int[] dims, boolean keepDim) {
        checkFloat("mean", x);
        int[] d = normalize("mean", x, dims);
        long count = 1;
        for (int i : d) count *= x.size(i);
        Tensor out = sumRaw(x, d, keepDim);
        if (count != 1) out = Elementwise.binary("mean", dev.jgrad.core.backend.BinaryOp.DIV, out, out.scalarLike(count));
        int[] shape = x.shape();
        double scale = 1.0 / count;
        return Autograd.record("mean", out, x, new Tensor[0],
                g -> new Tensor[] {expandBack(g.mul(scale), shape, d, keepDim)});
    }

    /**
     * Variance over {@code dims} with Bessel's {@code correction} (0: population, 1: sample), composed of
     * differentiable ops: Σ (x − mean)² / (N − correction).
     */
    public static Tensor var(Tensor x, int[] dims, boolean keepDim, int correction) {
        checkFloat("var", x);
        int[] d = normalize("var", x, dims);
        long count = 1;
        for (int i : d) count *= x.size(i);
        Tensor dev = x.sub(mean(x, d, true));
        return sum(dev.square(), d, keepDim).div(Math.max(0, count - correction));
    }

    /** Maximum along {@code dim}; the gradient goes to the first maximal element. */
    public static Tensor max(Tensor x, int dim, boolean keepDim) {
        return extremum("max", ReduceOp.MAX, ReduceOp.ARGMAX, x, dim, keepDim);
    }

    /** Minimum along {@code dim}; the gradient goes to the first minimal element. */
    public static Tensor min(Tensor x, int dim, boolean keepDim) {
        return extremum("min", ReduceOp.MIN, ReduceOp.ARGMIN, x, dim, keepDim);
    }

    private static Tensor extremum(String name, ReduceOp op, ReduceOp argOp, Tensor x, int dim, boolean keepDim) {
        checkFloat(name, x);
        int d = Shape.normalizeDim(dim, x.rank(), name);
        if (x.rank() > 0 && x.size(d) == 0) throw new IllegalArgumentException(name + ": reducing an empty dimension");
        Tensor values = reduceRaw(op, x, d, x.dtype());
        Tensor out = keepDim ? values : squeezeRaw(values, d);
        int[] shape = x.shape();
        return Autograd.record(name, out, x, new Tensor[] {x}, g -> {
            Tensor idx = reduceRaw(argOp, x, d, DType.I64);            // keepdim shape
            Tensor gk = keepDim ? g : Views.reshapeRaw(g, idx.shape());
            Tensor gx = Tensor.empty(g.dtype(), g.device(), shape);
            gx.backend().scatterAdd(gx, d, idx, gk.contiguous());
            return new Tensor[] {gx};
        });
    }

    /** Index of the first maximum along {@code dim} (int64, no gradient). */
    public static Tensor argmax(Tensor x, int dim, boolean keepDim) {
        int d = Shape.normalizeDim(dim, x.rank(), "argmax");
        if (x.rank() > 0 && x.size(d) == 0)
            throw new IllegalArgumentException("argmax: dimension " + d + " of shape " + Shape.str(x.shape())
                    + " is empty; an empty dimension has no index to return");
        Tensor idx = reduceRaw(ReduceOp.ARGMAX, x, d, DType.I64);
        return keepDim ? idx : squeezeRaw(idx, d);
    }

    /** Index of the first minimum along {@code dim} (int64, no gradient). */
    public static Tensor argmin(Tensor x, int dim, boolean keepDim) {
        int d = Shape.normalizeDim(dim, x.rank(), "argmin");
        if (x.rank() > 0 && x.size(d) == 0)
            throw new IllegalArgumentException("argmin: dimension " + d + " of shape " + Shape.str(x.shape())
                    + " is empty; an empty dimension has no index to return");
        Tensor idx = reduceRaw(ReduceOp.ARGMIN, x, d, DType.I64);
        return keepDim ? idx : squeezeRaw(idx, d);
    }

    /** log Σ exp(x) along {@code dim}, stable (max subtracted).  Backward: g · softmax(x). */
    public static Tensor logsumexp(Tensor x, int dim, boolean keepDim) {
        checkFloat("logsumexp", x);
        int d = Shape.normalizeDim(dim, x.rank(), "logsumexp");
        Tensor xl = lastDimContiguous(x, d);
        int[] outShape = xl.shape();
        outShape[outShape.length - 1] = 1;
        Tensor lse = Tensor.empty(x.dtype(), x.device(), outShape);
        x.backend().logsumexp(xl, lse);
        Tensor keep = Views.permuteRaw(lse, swapLast(x.rank(), d));   // back to x's dim order, size 1 at d
        Tensor out = keepDim ? keep : squeezeRaw(keep, d);
        return Autograd.record("logsumexp", out, x, new Tensor[] {x, keep}, g -> {
            Tensor gk = keepDim ? g : Views.reshapeRaw(g, keep.shape());
            return new Tensor[] {x.sub(keep).exp().mul(gk)};
        });
    }

    /** Softmax (or log-softmax) along {@code dim}.  Backward uses the saved output. */
    public static Tensor softmax(Tensor x, int dim, boolean log) {
        String name = log ? "log_softmax" : "softmax";
        checkFloat(name, x);
        int d = Shape.normalizeDim(dim, x.rank(), name);
        Tensor xl = lastDimContiguous(x, d);
        Tensor yl = Tensor.empty(x.dtype(), x.device(), xl.shape());
        x.backend().softmax(xl, yl, log);
        int[] perm = swapLast(x.rank(), d);
        Tensor out = Views.permuteRaw(yl, perm);
        return Autograd.record(name, out, x, new Tensor[] {yl}, g -> {
            Tensor gl = lastDimContiguous(g, d);
            Tensor gxl = Tensor.empty(g.dtype(), g.device(), gl.shape());
            g.backend().softmaxBackward(yl, gl, gxl, log);
            return new Tensor[] {Views.permuteRaw(gxl, perm)};
        });
    }

    // ---- raw kernels, no graph --------------------------------------------------------------------

    /** Σ over {@code dims} (normalised, any order) without recording a graph. */
    public static Tensor sumRaw(Tensor x, int[] dims, boolean keepDim) {
        int[] d = dims.clone();
        Arrays.sort(d);
        if (d.length == 0) return x.contiguousCopy();
        Tensor cur = x;
        // Adjacent reduced dims of a contiguous tensor merge into one pass.
        boolean adjacent = d[d.length - 1] - d[0] == d.length - 1;
        if (adjacent && d.length > 1 && x.isContiguous()) {
            int[] s = x.shape();
            int before = 1, mid = 1, after = 1;
            for (int i = 0; i < s.length; i++) {
                if (i < d[0]) before *= s[i];
                else if (i <= d[d.length - 1]) mid *= s[i];
                else after *= s[i];
            }
            Tensor merged = reduceRaw(ReduceOp.SUM, Views.reshapeRaw(x, before, mid, after), 1, x.dtype());
            int[] keepShape = s.clone();
            for (int i : d) keepShape[i] = 1;
            cur = Views.reshapeRaw(merged, keepShape);
        } else {
            for (int i = d.length - 1; i >= 0; i--) cur = reduceRaw(ReduceOp.SUM, cur, d[i], x.dtype());
        }
        if (keepDim) return cur;
        int[] shape = cur.shape();
        int[] outShape = new int[shape.length - d.length];
        for (int i = 0, j = 0, k = 0; i < shape.length; i++) {
            if (k < d.length && d[k] == i) k++;
            else outShape[j++] = shape[i];
        }
        return Views.reshapeRaw(cur, outShape);
    }

    /** One-dim reduction with keepdim shape. */
    static Tensor reduceRaw(ReduceOp op, Tensor x, int dim, DType outType) {
        if (x.rank() == 0) {
            Tensor out = Tensor.empty(outType, x.device(), new int[0]);
            if (op.producesIndices()) return out;
            x.backend().copy(x, out);
            return out;
        }
        int[] shape = x.shape();
        shape[dim] = 1;
        Tensor out = Tensor.empty(outType, x.device(), shape);
        x.backend().reduce(op, x, dim, out);
        return out;
    }

    private static Tensor squeezeRaw(Tensor x, int d) {
        if (x.rank() == 0) return x;
        return new Tensor(x.storage(), Views.remove(x.shape(), d), Views.remove(x.strides(), d), x.offset());
    }

    /** The gradient of a reduction, broadcast back to the input's shape. */
    private static Tensor expandBack(Tensor g, int[] shape, int[] dims, boolean keepDim) {
        Tensor gk = g;
        if (!keepDim) {
            int[] keepShape = shape.clone();
            for (int i : dims) keepShape[i] = 1;
            gk = Views.reshapeRaw(g, keepShape);
        }
        return Views.expandView(gk, shape);
    }

    /** x with dimension d moved last, made contiguous (a no-op for the last dim of a contiguous tensor). */
    static Tensor lastDimContiguous(Tensor x, int d) {
        if (d == x.rank() - 1) return x.isContiguous() ? x : x.contiguousCopy();
        return Views.permuteRaw(x, swapLast(x.rank(), d)).contiguousCopy();
    }

    /** The permutation swapping dim d with the last one (its own inverse). */
    static int[] swapLast(int rank, int d) {
        int[] p = new int[rank];
        for (int i = 0; i < rank; i++) p[i] = i;
        p[d] = rank - 1;
        p[rank - 1] = d;
        return p;
    }

    private static int[] normalize(String op, Tensor x, int[] dims) {
        int[] out = new int[dims.length];
        boolean[] seen = new boolean[Math.max(1, x.rank())];
        for (int i = 0; i < dims.length; i++) {
            out[i] = Shape.normalizeDim(dims[i], x.rank(), op);
            if (seen[out[i]]) throw new IllegalArgumentException(op + ": dimension " + dims[i] + " repeated");
            seen[out[i]] = true;
        }
        if (x.rank() == 0) return new int[0];
        return out;
    }

    private static void checkFloat(String op, Tensor x) {
        if (x.dtype() != DType.F32 && x.dtype() != DType.F64)
            throw new IllegalArgumentException(op + ": needs a float32 or float64 tensor, got " + x.dtype());
    }
}
