package dev.jgrad.core.ops;

import dev.jgrad.core.DType;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.Autograd;

import java.util.ArrayList;
import java.util.List;

/**
 * Indexing ops — select, gather, embedding, masks, concatenation — with their backward passes
 * (scatter-adds and slices of the gradient).
 */
public final class Indexing {

    private Indexing() {}

    /** Slices of {@code x} along {@code dim} at {@code index} (1-D int).  Backward: index-add into zeros. */
    public static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        int d = Shape.normalizeDim(dim, x.rank(), "index_select");
        if (index.rank() != 1)
            throw new IllegalArgumentException("index_select: index must be 1-D, got shape " + Shape.str(index.shape()));
        checkIndices("index_select", index, x.size(d), d);
        int[] shape = x.shape();
        shape[d] = index.size(0);
        Tensor out = Tensor.empty(x.dtype(), x.device(), shape);
        x.backend().indexSelect(x, d, index, out);
        int[] xs = x.shape();
        return Autograd.record("index_select", out, x, new Tensor[] {index}, g -> {
            Tensor gx = Tensor.empty(g.dtype(), g.device(), xs);
            g.backend().indexAdd(gx, d, index, g);
            return new Tensor[] {gx};
        });
    }

    /**
     * Embedding lookup: rows of {@code table (num, dim)} at {@code ids} of any shape give {@code ids.shape ++ (dim)}.
     * Backward scatter-adds each output row's gradient into the row it came from (repeated ids add up).
     */
    public static Tensor embedding(Tensor table, Tensor ids) {
        if (table.rank() != 2)
            throw new IllegalArgumentException("embedding: the table must be 2-D (num_embeddings, dim), got "
                    + Shape.str(table.shape()));
        int[] idShape = ids.shape();
        Tensor flat = ids.isContiguous() ? Views.reshapeRaw(ids, ids.numel()) : Views.reshapeRaw(ids.contiguousCopy(), ids.numel());
        int[] outShape = java.util.Arrays.copyOf(idShape, idShape.length + 1);
        outShape[idShape.length] = table.size(1);
        return indexSelect(table, 0, flat).reshape(outShape);
    }

    /** torch.gather along {@code dim}: {@code out[...i...] = x[...index[...i...]...]}.  Backward: scatter-add. */
    public static Tensor gather(Tensor x, int dim, Tensor index) {
        int d = Shape.normalizeDim(dim, x.rank(), "gather");
        if (index.rank() != x.rank())
            throw new IllegalArgumentException("gather: index rank " + index.rank() + " differs from input rank "
                    + x.rank() + " (shapes " + Shape.str(x.shape()) + " and " + Shape.str(index.shape()) + ")");
        for (int i = 0; i < x.rank(); i++)
            if (i != d && index.size(i) > x.size(i))
                throw new IllegalArgumentException("gather: index shape " + Shape.str(index.shape())
                        + " exceeds input shape " + Shape.str(x.shape()) + " in dimension " + i);
        checkIndices("gather", index, x.size(d), d);
        Tensor out = Tensor.empty(x.dtype(), x.device(), index.shape());
        x.backend().gather(x, d, index, out);
        int[] xs = x.shape();
        return Autograd.record("gather", out, x, new Tensor[] {index}, g -> {
            Tensor gx = Tensor.empty(g.dtype(), g.device(), xs);
            g.backend().scatterAdd(gx, d, index, g);
            return new Tensor[] {gx};
        });
    }

    /** {@code cond ? a : b} with broadcasting.  Backward: the gradient goes to the chosen side. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Elementwise.checkFloat("where", a, b);
        Views.checkSameDevice("where", cond, a);
        int[] shape = Shape.broadcast("where", Shape.broadcast("where", cond.shape(), a.shape()), b.shape());
        Tensor out = Tensor.empty(a.dtype(), a.device(), shape);
        Tensor c = Views.expandView(cond, shape);
        a.backend().where(c, Views.expandView(a, shape), Views.expandView(b, shape), out);
        return Autograd.record("where", out, new Tensor[] {a, b}, new Tensor[] {cond}, g -> {
            Tensor zero = g.scalarLike(0);
            Tensor ga = null, gb = null;
            if (a.requiresGrad()) ga = Elementwise.sumToShape(rawWhere(c, g, zero), a.shape());
            if (b.requiresGrad()) gb = Elementwise.sumToShape(rawWhere(c, zero, g), b.shape());
            return new Tensor[] {ga, gb};
        });
    }

    private static Tensor rawWhere(Tensor cond, Tensor a, Tensor b) {
        int[] shape = cond.shape();
        Tensor out = Tensor.empty(a.dtype(), a.device(), shape);
        a.backend().where(cond, Views.expandView(a, shape), Views.expandView(b, shape), out);
        return out;
    }

    /** {@code x} with {@code value} where {@code mask} is true (mask broadcasts to x). */
    public static Tensor maskedFill(Tensor x, Tensor mask, double value) {
        int[] shape = Shape.broadcast("masked_fill", x.shape(), mask.shape());
        if (!java.util.Arrays.equals(shape, x.shape()))
            throw new IllegalArgumentException("masked_fill: mask of shape " + Shape.str(mask.shape())
                    + " does not broadcast to the input's shape " + Shape.str(x.shape()));
        return where(mask, x.scalarLike(value), x);
    }

    /** Lower triangle of the last two dims (j ≤ i + diagonal kept).  Backward: the same mask. */
    public static Tensor tril(Tensor x, int diagonal) {
        return triangle("tril", x, diagonal, true);
    }

    /** Upper triangle of the last two dims (j ≥ i + diagonal kept). */
    public static Tensor triu(Tensor x, int diagonal) {
        return triangle("triu", x, diagonal, false);
    }

    private static Tensor triangle(String name, Tensor x, int diagonal, boolean lower) {
        if (x.rank() < 2) throw new IllegalArgumentException(name + ": needs at least 2 dims, got " + Shape.str(x.shape()));
        Tensor keep = triangleMask(x.size(-2), x.size(-1), diagonal, lower).to(x.device());
        return where(keep, x, x.scalarLike(0));
    }

    /** A BOOL (rows, cols) mask, true on and below (lower) or on and above (upper) the given diagonal. */
    public static Tensor triangleMask(int rows, int cols, int diagonal, boolean lower) {
        boolean[] m = new boolean[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) m[i * cols + j] = lower ? j - i <= diagonal : j - i >= diagonal;
        return Tensor.ofBooleans(m, rows, cols);
    }

    /** Pieces of {@code size} along {@code dim} (views). */
    public static List<Tensor> split(Tensor x, int size, int dim) {
        int d = Shape.normalizeDim(dim, x.rank(), "split");
        if (size <= 0) throw new IllegalArgumentException("split: size must be positive, got " + size);
        List<Tensor> parts = new ArrayList<>();
        for (int start = 0; start < x.size(d); start += size) parts.add(x.narrow(d, start, Math.min(size, x.size(d) - start)));
        return parts;
    }

    /** {@code chunks} pieces along {@code dim}, each of ⌈size/chunks⌉ but the last (as torch.chunk). */
    public static List<Tensor> chunk(Tensor x, int chunks, int dim) {
        if (chunks <= 0) throw new IllegalArgumentException("chunk: chunks must be positive, got " + chunks);
        int d = Shape.normalizeDim(dim, x.rank(), "chunk");
        int size = Math.max(1, (x.size(d) + chunks - 1) / chunks);
        return split(x, size, d);
    }

    /** Concatenation along {@code dim}; backward hands each input its slice of the gradient. */
    public static Tensor cat(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) throw new IllegalArgumentException("cat: no tensors given");
        Tensor first = tensors.get(0);
        int d = Shape.normalizeDim(dim, first.rank(), "cat");
        int total = 0;
        for (Tensor t : tensors) {
            Elementwise.checkFloatOrSame("cat", first, t);
            if (t.rank() != first.rank())
                throw new IllegalArgumentException("cat: tensors of rank " + first.rank() + " and " + t.rank()
                        + " (shapes " + Shape.str(first.shape()) + " and " + Shape.str(t.shape()) + ")");
            for (int i = 0; i < t.rank(); i++)
                if (i != d && t.size(i) != first.size(i))
                    throw new IllegalArgumentException("cat: shapes " + Shape.str(first.shape()) + " and "
                            + Shape.str(t.shape()) + " differ outside dimension " + d);
            total += t.size(d);
        }
        int[] shape = first.shape();
        shape[d] = total;
        Tensor out = Tensor.empty(first.dtype(), first.device(), shape);
        int[] starts = new int[tensors.size()];
        int pos = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            starts[i] = pos;
            out.backend().copy(t, Views.narrowRaw(out, d, pos, t.size(d)));
            pos += t.size(d);
        }
        Tensor[] inputs = tensors.toArray(new Tensor[0]);
        return Autograd.record("cat", out, inputs, new Tensor[0], g -> {
            Tensor[] grads = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++)
                if (inputs[i].requiresGrad()) grads[i] = Views.narrowRaw(g, d, starts[i], inputs[i].size(d));
            return grads;
        });
    }

    /** Stacks equal shapes along a new {@code dim}. */
    public static Tensor stack(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) throw new IllegalArgumentException("stack: no tensors given");
        int r = tensors.get(0).rank();
        int d = dim < 0 ? dim + r + 1 : dim;
        List<Tensor> expanded = new ArrayList<>();
        for (Tensor t : tensors) {
            if (!java.util.Arrays.equals(t.shape(), tensors.get(0).shape()))
                throw new IllegalArgumentException("stack: shapes " + Shape.str(tensors.get(0).shape()) + " and "
                        + Shape.str(t.shape()) + " differ");
            expanded.add(t.unsqueeze(d));
        }
        return cat(expanded, d);
    }

    /** One-hot: int indices {@code (..)} to {@code (.., numClasses)}. */
    public static Tensor oneHot(Tensor index, int numClasses, DType dtype) {
        checkIndices("one_hot", index, numClasses, -1);
        long[] ids = index.toLongArray();
        int[] shape = java.util.Arrays.copyOf(index.shape(), index.rank() + 1);
        shape[index.rank()] = numClasses;
        Tensor out = Tensor.zeros(dtype, shape);
        for (int i = 0; i < ids.length; i++) out.storage().setDouble(i * numClasses + (int) ids[i], 1);
        return out.to(index.device());
    }

    /** Indices must be int32/int64 within [0, bound): the message names the first offending index. */
    static void checkIndices(String op, Tensor index, int bound, int dim) {
        if (index.dtype() != DType.I64 && index.dtype() != DType.I32)
            throw new IllegalArgumentException(op + ": indices must be I64 or I32, got " + index.dtype());
        long[] ids = index.toLongArray();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= bound)
                throw new IndexOutOfBoundsException(op + ": index " + ids[i] + " (at position " + i + ") is out of bounds"
                        + (dim >= 0 ? " for dimension " + dim : "") + " with size " + bound);
        }
    }
}
