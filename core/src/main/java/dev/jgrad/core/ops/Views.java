package dev.jgrad.core.ops;

import dev.jgrad.core.Device;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.backend.Backends;

import java.util.Arrays;

/**
 * Views: new shape, strides and offset over the same storage, no data copied. The backward of a view is
 * the inverse view of the gradient (reshape back, permute back, pad a narrowed slice with zeros, sum over
 * expanded dims).
 */
public final class Views {

    private Views() {}

    /** A view with {@code newShape}, or a copy when the strides cannot express it. */
    public static Tensor reshape(Tensor x, int... newShape) {
        int[] shape = Shape.inferShape("reshape", x.numel(), newShape);
        Tensor out = reshapeRaw(x, shape);
        int[] from = x.shape();
        return Autograd.record("reshape", out, x, new Tensor[0], g -> new Tensor[] {reshapeRaw(g, from)});
    }

    /** Like {@link #reshape} but never copies: an incompatible layout is an error. */
    public static Tensor view(Tensor x, int... newShape) {
        int[] shape = Shape.inferShape("view", x.numel(), newShape);
        int[] strides = viewStrides(x, shape);
        if (strides == null)
            throw new IllegalArgumentException("view: a tensor of shape " + Shape.str(x.shape()) + " with strides "
                    + Shape.str(x.strides()) + " cannot be viewed as " + Shape.str(shape) + "; use reshape (copies)");
        Tensor out = new Tensor(x.storage(), shape, strides, x.offset());
        int[] from = x.shape();
        return Autograd.record("view", out, x, new Tensor[0], g -> new Tensor[] {reshapeRaw(g, from)});
    }

    /** Reshape without recording a graph. */
    public static Tensor reshapeRaw(Tensor x, int... shape) {
        if (Arrays.equals(shape, x.shape())) return x.requiresGrad() ? x.detach() : x;
        int[] strides = viewStrides(x, shape);
        if (strides != null) return new Tensor(x.storage(), shape, strides, x.offset());
        Tensor c = x.contiguousCopy();
        return new Tensor(c.storage(), shape, Shape.contiguousStrides(shape), 0);
    }

    /**
     * Strides that present {@code x}'s elements in row-major order as {@code shape}, or null if impossible.
     * Works dimension group by dimension group: each run of old dims that is contiguous within itself can be
     * split or merged freely (the algorithm of PyTorch's computeStride).
     */
    static int[] viewStrides(Tensor x, int[] shape) {
        int[] oldShape = x.shape(), oldStrides = x.strides();
        int[] strides = new int[shape.length];
        if (x.numel() == 0 || oldShape.length == 0) return Shape.contiguousStrides(shape);
        int viewD = shape.length - 1;
        long chunkBase = oldStrides[oldStrides.length - 1];
        long tensorNumel = 1, viewNumel = 1;
        for (int d = oldShape.length - 1; d >= 0; d--) {
            tensorNumel *= oldShape[d];
            boolean endOfChunk = d == 0 || (oldShape[d - 1] != 1 && oldStrides[d - 1] != tensorNumel * chunkBase);
            if (endOfChunk) {
                while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] == 1)) {
                    strides[viewD] = (int) (viewNumel * chunkBase);
                    viewNumel *= shape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0) {
                    chunkBase = oldStrides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? strides : null;
    }

    /** Reorders dimensions: output dim i is input dim {@code dims[i]}. */
    public static Tensor permute(Tensor x, int... dims) {
        int r = x.rank();
        if (dims.length != r)
            throw new IllegalArgumentException("permute: " + dims.length + " dims given for a tensor of rank " + r
                    + " (shape " + Shape.str(x.shape()) + ")");
        int[] shape = new int[r], strides = new int[r], inverse = new int[r];
        boolean[] seen = new boolean[r];
        int[] xs = x.shape(), xst = x.strides();
        for (int i = 0; i < r; i++) {
            int d = Shape.normalizeDim(dims[i], r, "permute");
            if (seen[d]) throw new IllegalArgumentException("permute: dimension " + d + " repeated in " + Shape.str(dims));
            seen[d] = true;
            shape[i] = xs[d];
            strides[i] = xst[d];
            inverse[d] = i;
        }
        Tensor out = new Tensor(x.storage(), shape, strides, x.offset());
        return Autograd.record("permute", out, x, new Tensor[0], g -> new Tensor[] {permuteRaw(g, inverse)});
    }

    static Tensor permuteRaw(Tensor x, int[] dims) {
        int[] xs = x.shape(), xst = x.strides();
        int[] shape = new int[dims.length], strides = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = xs[dims[i]];
            strides[i] = xst[dims[i]];
        }
        return new Tensor(x.storage(), shape, strides, x.offset());
    }

    /** Swaps two dimensions. */
    public static Tensor transpose(Tensor x, int d0, int d1) {
        int r = x.rank();
        int a = Shape.normalizeDim(d0, r, "transpose"), b = Shape.normalizeDim(d1, r, "transpose");
        int[] dims = new int[r];
        for (int i = 0; i < r; i++) dims[i] = i;
        dims[a] = b;
        dims[b] = a;
        return permute(x, dims);
    }

    /** {@code length} elements from {@code start} along {@code dim}. Backward pads the gradient with zeros. */
    public static Tensor narrow(Tensor x, int dim, int start, int length) {
        int d = Shape.normalizeDim(dim, x.rank(), "narrow");
        int size = x.size(d);
        if (start < 0 || length < 0 || start + length > size)
            throw new IndexOutOfBoundsException("narrow: range [" + start + ", " + (start + length)
                    + ") is out of bounds for dimension " + d + " with size " + size + " (shape " + Shape.str(x.shape()) + ")");
        Tensor out = narrowRaw(x, d, start, length);
        int[] full = x.shape();
        return Autograd.record("narrow", out, x, new Tensor[0], g -> {
            Tensor gx = Tensor.empty(g.dtype(), g.device(), full);
            g.backend().copy(g, narrowRaw(gx, d, start, length));
            return new Tensor[] {gx};
        });
    }

    static Tensor narrowRaw(Tensor x, int d, int start, int length) {
        int[] shape = x.shape();
        shape[d] = length;
        return new Tensor(x.storage(), shape, x.strides(), x.offset() + start * x.stride(d));
    }

    /** Elements {@code [start, end)} along {@code dim}; negative bounds count from the end, and are clipped. */
    public static Tensor slice(Tensor x, int dim, int start, int end) {
        int d = Shape.normalizeDim(dim, x.rank(), "slice");
        int size = x.size(d);
        int s = start < 0 ? Math.max(0, start + size) : Math.min(start, size);
        int e = end < 0 ? Math.max(0, end + size) : Math.min(end, size);
        return narrow(x, d, s, Math.max(0, e - s));
    }

    /** Index {@code i} along {@code dim}, dropping the dimension. */
    public static Tensor select(Tensor x, int dim, int i) {
        int d = Shape.normalizeDim(dim, x.rank(), "select");
        int size = x.size(d);
        int idx = i < 0 ? i + size : i;
        if (idx < 0 || idx >= size)
            throw new IndexOutOfBoundsException("select: index " + i + " is out of bounds for dimension " + d
                    + " with size " + size);
        return squeeze(narrow(x, d, idx, 1), d);
    }

    /** Broadcasts size-1 dims (and new leading dims) to {@code shape}; -1 keeps a dim. Backward sums. */
    public static Tensor expand(Tensor x, int... shape) {
        int[] target = shape.clone();
        int lead = target.length - x.rank();
        if (lead < 0)
            throw new IllegalArgumentException("expand: cannot expand shape " + Shape.str(x.shape()) + " to fewer dims "
                    + Shape.str(shape));
        for (int i = 0; i < target.length; i++) if (target[i] == -1 && i >= lead) target[i] = x.size(i - lead);
        Tensor out = expandView(x, target);
        int[] from = x.shape();
        if (out == x) return x;
        return Autograd.record("expand", out, x, new Tensor[0], g -> new Tensor[] {Elementwise.sumToShape(g, from)});
    }

    /** Broadcast view without recording a graph. */
    public static Tensor expandView(Tensor x, int[] shape) {
        int[] xs = x.shape(), xst = x.strides();
        if (Arrays.equals(xs, shape)) return x;
        int lead = shape.length - xs.length;
        if (lead < 0) throw new IllegalArgumentException("expand: " + Shape.str(xs) + " to " + Shape.str(shape));
        int[] strides = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (i < lead) {
                strides[i] = 0;
            } else if (xs[i - lead] == shape[i]) {
                strides[i] = xst[i - lead];
            } else if (xs[i - lead] == 1) {
                strides[i] = 0;
            } else {
                throw new IllegalArgumentException("expand: shape " + Shape.str(xs) + " cannot be expanded to "
                        + Shape.str(shape) + " (dimension " + i + " has size " + xs[i - lead] + ", not 1)");
            }
        }
        return new Tensor(x.storage(), shape.clone(), strides, x.offset());
    }

    /** Removes dimension {@code dim}, which must have size 1. */
    public static Tensor squeeze(Tensor x, int dim) {
        int d = Shape.normalizeDim(dim, x.rank(), "squeeze");
        if (x.size(d) != 1)
            throw new IllegalArgumentException("squeeze: dimension " + d + " of shape " + Shape.str(x.shape())
                    + " has size " + x.size(d) + ", not 1");
        int[] shape = remove(x.shape(), d), strides = remove(x.strides(), d);
        Tensor out = new Tensor(x.storage(), shape, strides, x.offset());
        int[] from = x.shape();
        return Autograd.record("squeeze", out, x, new Tensor[0], g -> new Tensor[] {reshapeRaw(g, from)});
    }

    /** Inserts a size-1 dimension at {@code dim} (0..rank). */
    public static Tensor unsqueeze(Tensor x, int dim) {
        int r = x.rank();
        int d = dim < 0 ? dim + r + 1 : dim;
        if (d < 0 || d > r) throw new IllegalArgumentException("unsqueeze: dimension " + dim + " out of range for rank " + r);
        int[] shape = insert(x.shape(), d, 1);
        int stride = d < r ? x.stride(d) * x.size(d) : 1;
        int[] strides = insert(x.strides(), d, stride);
        Tensor out = new Tensor(x.storage(), shape, strides, x.offset());
        int[] from = x.shape();
        return Autograd.record("unsqueeze", out, x, new Tensor[0], g -> new Tensor[] {reshapeRaw(g, from)});
    }

    /** A fresh contiguous copy; the gradient passes through unchanged. */
    public static Tensor copy(Tensor x) {
        Tensor out = x.contiguousCopy();
        return Autograd.record("copy", out, x, new Tensor[0], g -> new Tensor[] {g});
    }

    /** Moves to another device; the gradient moves back. */
    public static Tensor toDevice(Tensor x, Device device) {
        Tensor host = x.backend().toCpu(x);
        Tensor out = Backends.of(device).fromCpu(host.contiguous());
        if (out == x) return x;
        Device from = x.device();
        return Autograd.record("to_" + device, out, x, new Tensor[0], g -> new Tensor[] {g.to(from)});
    }

    /** Ops need all tensors on one device. */
    public static void checkSameDevice(String op, Tensor a, Tensor b) {
        if (!a.device().equals(b.device()))
            throw new IllegalArgumentException(op + ": tensors are on different devices (" + a.device() + " and "
                    + b.device() + "); move one with .to(device)");
    }

    static int[] remove(int[] a, int i) {
        int[] out = new int[a.length - 1];
        System.arraycopy(a, 0, out, 0, i);
        System.arraycopy(a, i + 1, out, i, a.length - i - 1);
        return out;
    }

    static int[] insert(int[] a, int i, int v) {
        int[] out = new int[a.length + 1];
        System.arraycopy(a, 0, out, 0, i);
        out[i] = v;
        System.arraycopy(a, i, out, i + 1, a.length - i);
        return out;
    }
}
