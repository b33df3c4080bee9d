package dev.jgrad.core;

import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.autograd.Node;
import dev.jgrad.core.backend.Backend;
import dev.jgrad.core.backend.Backends;
import dev.jgrad.core.backend.BinaryOp;
import dev.jgrad.core.ops.Elementwise;
import dev.jgrad.core.ops.Indexing;
import dev.jgrad.core.ops.MatMul;
import dev.jgrad.core.ops.Reductions;
import dev.jgrad.core.ops.Views;

import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array with reverse-mode automatic differentiation.
 *
 * <p>A tensor is a view — {@code shape}, {@code strides} and {@code offset}, all in elements — onto a
 * {@link Storage}. Reshape, transpose, narrow, expand and friends make new views of the same storage without
 * copying; {@link #contiguous()} copies only when the view is not already row-major and dense.
 *
 * <p>Ops are methods ({@code a.matmul(b).add(bias).relu()}). When an input {@link #requiresGrad()}, the op
 * also records how to compute its backward, and {@link #backward()} on a scalar result fills
 * {@link #grad()} of every leaf that requires a gradient. Forward and backward of each op live side by side
 * in {@code dev.jgrad.core.ops}.
 *
 * <p>Arithmetic needs floating-point operands of one dtype (F32, or F64 for gradient checks); shapes
 * broadcast as in NumPy. Errors name the op and the shapes involved.
 */
public final class Tensor {

    // Not final only so that setData can move a parameter (to a device, for instance) in place.
    private Storage storage;
    private int[] shape;
    private int[] strides;
    private int offset;

    private boolean requiresGrad;
    private boolean retainGrad;
    private Tensor grad;
    private Node gradFn;

    /** A view of {@code storage}; prefer the factories and view ops. */
    public Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length)
            throw new IllegalArgumentException("shape " + Shape.str(shape) + " and strides " + Shape.str(strides)
                    + " differ in rank");
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    /** A contiguous tensor over all of {@code storage}. */
    public Tensor(Storage storage, int... shape) {
        this(storage, shape.clone(), Shape.contiguousStrides(shape), 0);
        if (Shape.numel(shape) > storage.size())
            throw new IllegalArgumentException("shape " + Shape.str(shape) + " needs " + Shape.numel(shape)
                    + " elements but the storage holds " + storage.size());
    }

    // =============================================================================================
    // Creation

    /** An uninitialised-looking (in fact zero-filled) tensor of {@code dtype} on {@code device}. */
    public static Tensor empty(DType dtype, Device device, int... shape) {
        return new Tensor(Backends.of(device).allocate(dtype, Shape.numel(shape)), shape);
    }

    /** Zeros, float32, on the CPU. */
    public static Tensor zeros(int... shape) {
        return empty(DType.F32, Device.cpu(), shape);
    }

    /** Zeros of {@code dtype} on the CPU. */
    public static Tensor zeros(DType dtype, int... shape) {
        return empty(dtype, Device.cpu(), shape);
    }

    /** Ones, float32. */
    public static Tensor ones(int... shape) {
        return full(1.0, shape);
    }

    /** Every element {@code value}, float32. */
    public static Tensor full(double value, int... shape) {
        return full(value, DType.F32, shape);
    }

    /** Every element {@code value}, of {@code dtype}. */
    public static Tensor full(double value, DType dtype, int... shape) {
        Tensor t = zeros(dtype, shape);
        if (value != 0) t.backend().fill(t, value);
        return t;
    }

    /** A 0-dimensional float32 tensor. */
    public static Tensor scalar(double value) {
        return full(value, DType.F32);
    }

    /** A 0-dimensional tensor of {@code dtype}. */
    public static Tensor scalar(double value, DType dtype) {
        return full(value, dtype);
    }

    /** {@code [start, start + step, ...)} below {@code end}, float32. */
    public static Tensor arange(double start, double end, double step) {
        return arange(start, end, step, DType.F32);
    }

    /** {@code [0, 1, ..., end - 1]} as int64. */
    public static Tensor arange(int end) {
        return arange(0, end, 1, DType.I64);
    }

    /**
     * {@code [start, start + step, ...)} below {@code end} of {@code dtype}. PyTorch's rules: the step is nonzero
     * (NaN is not), both bounds are finite, {@code end - start} has the step's sign (or is 0: an empty range), and
     * the length fits a tensor.
     */
    public static Tensor arange(double start, double end, double step, DType dtype) {
        if (!(step > 0 || step < 0)) throw new IllegalArgumentException("arange: step must be nonzero, got " + step);
        if (!Double.isFinite(start) || !Double.isFinite(end))
            throw new IllegalArgumentException("arange: unsupported range " + start + " -> " + end + " (bounds must be finite)");
        if (step > 0 ? end < start : end > start)
            throw new IllegalArgumentException("arange: the range " + start + " -> " + end
                    + " goes against the sign of step " + step);
        double count = Math.ceil((end - start) / step);
        if (!(count <= Integer.MAX_VALUE))
            throw new IllegalArgumentException("arange: " + start + " -> " + end + " by " + step + " gives " + count
                    + " elements, more than a tensor holds (" + Integer.MAX_VALUE + ")");
        long n = (long) count;
        Tensor t = zeros(dtype, (int) n);
        for (int i = 0; i < n; i++) t.storage.setDouble(i, start + i * step);
        return t;
    }

    /** The n×n identity, float32. */
    public static Tensor eye(int n) {
        Tensor t = zeros(n, n);
        for (int i = 0; i < n; i++) t.storage.setDouble(i * n + i, 1);
        return t;
    }

    /** Uniform on [0, 1), float32. */
    public static Tensor rand(Generator gen, int... shape) {
        return uniform(gen, 0, 1, shape);
    }

    /** Standard normal, float32. */
    public static Tensor randn(Generator gen, int... shape) {
        return normal(gen, 0, 1, shape);
    }

    /** Uniform on [low, high), float32; as in PyTorch, {@code low <= high} and {@code high - low} is a finite float. */
    public static Tensor uniform(Generator gen, double low, double high, int... shape) {
        if (!(low <= high))
            throw new IllegalArgumentException("uniform: expects a range [low, high), got low=" + low + " > high=" + high);
        if (!(high - low <= Float.MAX_VALUE))
            throw new IllegalArgumentException("uniform: high - low must be at most " + Float.MAX_VALUE + ", got high="
                    + high + " and low=" + low);
        Tensor t = zeros(shape);
        float[] d = ((Storage.FloatStorage) t.storage).data;
        for (int i = 0; i < d.length; i++) d[i] = (float) (low + (high - low) * gen.nextDouble());
        return t;
    }

    /** Normal with the given mean and standard deviation ({@code >= 0}, as in PyTorch), float32. */
    public static Tensor normal(Generator gen, double mean, double std, int... shape) {
        if (!(std >= 0)) throw new IllegalArgumentException("normal: std must be >= 0, got " + std);
        Tensor t = zeros(shape);
        float[] d = ((Storage.FloatStorage) t.storage).data;
        for (int i = 0; i < d.length; i++) d[i] = (float) (mean + std * gen.nextGaussian());
        return t;
    }

    /** Wraps {@code data} (not copied) as a float32 tensor of {@code shape} (default: 1-D). */
    public static Tensor of(float[] data, int... shape) {
        return new Tensor(new Storage.FloatStorage(data), shapeFor(data.length, shape));
    }

    /** Wraps {@code data} (not copied) as a float64 tensor. */
    public static Tensor of(double[] data, int... shape) {
        return new Tensor(new Storage.DoubleStorage(data), shapeFor(data.length, shape));
    }

    /** Wraps {@code data} (not copied) as an int64 tensor. */
    public static Tensor of(long[] data, int... shape) {
        return new Tensor(new Storage.LongStorage(data), shapeFor(data.length, shape));
    }

    /** Wraps {@code data} (not copied) as an int32 tensor. */
    public static Tensor of(int[] data, int... shape) {
        return new Tensor(new Storage.IntStorage(data), shapeFor(data.length, shape));
    }

    /** Wraps {@code data} (not copied) as a BOOL tensor (nonzero = true). */
    public static Tensor ofBooleans(boolean[] data, int... shape) {
        byte[] b = new byte[data.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (data[i] ? 1 : 0);
        return new Tensor(new Storage.ByteStorage(DType.BOOL, b), shapeFor(b.length, shape));
    }

    private static int[] shapeFor(int length, int[] shape) {
        if (shape.length == 0) return new int[] {length};
        return Shape.inferShape("of", length, shape);
    }

    // =============================================================================================
    // Metadata

    public Storage storage() {
        return storage;
    }

    /** The shape (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code dim} (negative counts from the end). */
    public int size(int dim) {
        return shape[Shape.normalizeDim(dim, shape.length, "size")];
    }

    /** The strides in elements (a copy). */
    public int[] strides() {
        return strides.clone();
    }

    public int stride(int dim) {
        return strides[Shape.normalizeDim(dim, shape.length, "stride")];
    }

    /** Index of element [0, 0, ...] in the storage. */
    public int offset() {
        return offset;
    }

    public int rank() {
        return shape.length;
    }

    public int numel() {
        return Shape.numel(shape);
    }

    public DType dtype() {
        return storage.dtype();
    }

    public Device device() {
        return storage.device();
    }

    /** The backend that computes on this tensor's device. */
    public Backend backend() {
        return Backends.of(device());
    }

    /** True if the elements are laid out row-major without gaps (always, like PyTorch, when there are none). */
    public boolean isContiguous() {
        if (numel() == 0) return true;
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    // =============================================================================================
    // Autograd

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf as needing a gradient (returns this). Only floating-point tensors can. */
    public Tensor requiresGrad(boolean value) {
        if (value && !dtype().isFloatingPoint())
            throw new IllegalArgumentException("only floating-point tensors can require gradients, not " + dtype());
        if (!value && gradFn != null)
            throw new IllegalStateException("requiresGrad(false) on a non-leaf tensor; use detach()");
        this.requiresGrad = value;
        return this;
    }

    /** The accumulated gradient (leaves, or tensors with {@link #retainGrad()}), or null. */
    public Tensor grad() {
        return grad;
    }

    /** Replaces the gradient (null clears it). */
    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape, shape))
            throw new IllegalArgumentException("setGrad: gradient shape " + Shape.str(g.shape)
                    + " does not match tensor shape " + Shape.str(shape));
        this.grad = g;
    }

    /** The node that produced this tensor, or null for a leaf. */
    public Node gradFn() {
        return gradFn;
    }

    /** Used by {@link Autograd#record}. */
    public void setGradFn(Node node) {
        this.gradFn = node;
        this.requiresGrad = true;
    }

    /** Also keep the gradient of this non-leaf tensor in {@link #grad()} during backward. */
    public Tensor retainGrad() {
        retainGrad = true;
        return this;
    }

    public boolean retainsGrad() {
        return retainGrad;
    }

    public boolean isLeaf() {
        return gradFn == null;
    }

    /** Back-propagates from this scalar (gradient 1). */
    public void backward() {
        if (numel() != 1)
            throw new IllegalStateException("backward() without a gradient needs a scalar, but the tensor has shape "
                    + Shape.str(shape) + "; pass the output gradient explicitly");
        backward(Tensor.full(1.0, dtype(), shape).to(device()), false);
    }

    /** Back-propagates {@code gradient}, the gradient of some scalar with respect to this tensor. */
    public void backward(Tensor gradient) {
        backward(gradient, false);
    }

    /** Back-propagates; with {@code retainGraph} the graph can be walked again. */
    public void backward(Tensor gradient, boolean retainGraph) {
        Autograd.backward(this, gradient, retainGraph);
    }

    /**
     * Makes this tensor a view of {@code source}'s data (like PyTorch's {@code param.data = source}): the object
     * identity stays, so optimizers and modules holding this tensor see the new values, device or shape.
     * Only for leaves; the gradient is cleared when the shape or device changes.
     */
    public void setData(Tensor source) {
        if (gradFn != null) throw new IllegalStateException("setData on a non-leaf tensor");
        boolean sameKind = Arrays.equals(shape, source.shape) && device().equals(source.device());
        this.storage = source.storage;
        this.shape = source.shape.clone();
        this.strides = source.strides.clone();
        this.offset = source.offset;
        if (!sameKind) this.grad = null;
    }

    /** The same data, cut from the graph. */
    public Tensor detach() {
        return new Tensor(storage, shape, strides, offset);
    }

    // =============================================================================================
    // Conversion and copies

    /** This tensor as {@code dtype} (this if it already is). Differentiable between floating types. */
    public Tensor to(DType dtype) {
        return dtype == dtype() ? this : Elementwise.cast(this, dtype);
    }

    /** This tensor on {@code device} (this if it already is). Differentiable. */
    public Tensor to(Device device) {
        return device.equals(device()) ? this : Views.toDevice(this, device);
    }

    /** A contiguous tensor with the same values: this one if already contiguous, else a copy. */
    public Tensor contiguous() {
        return isContiguous() ? this : Views.copy(this);
    }

    /** A fresh contiguous copy (differentiable, like torch.clone). */
    public Tensor copy() {
        return Views.copy(this);
    }

    /** Fresh contiguous storage with this tensor's values, outside the graph. */
    public Tensor contiguousCopy() {
        Tensor out = empty(dtype(), device(), shape);
        backend().copy(this, out);
        return out;
    }

    /** The values as float32, row-major. */
    public float[] toFloatArray() {
        Tensor t = backend().toCpu(this);
        if (t.dtype() == DType.F32 && t.isContiguous() && t.offset == 0 && t.storage.size() == t.numel())
            return ((Storage.FloatStorage) t.storage).data.clone();
        float[] out = new float[t.numel()];
        Tensor dst = of(out, t.shape.length == 0 ? new int[0] : t.shape);
        Backends.cpu().copy(t, dst);
        return out;
    }

    /** The values as float64, row-major. */
    public double[] toDoubleArray() {
        Tensor t = backend().toCpu(this);
        double[] out = new double[t.numel()];
        Backends.cpu().copy(t, of(out, t.shape.length == 0 ? new int[0] : t.shape));
        return out;
    }

    /** The values as int64, row-major. */
    public long[] toLongArray() {
        Tensor t = backend().toCpu(this);
        long[] out = new long[t.numel()];
        Backends.cpu().copy(t, of(out, t.shape.length == 0 ? new int[0] : t.shape));
        return out;
    }

    /** The single value of a one-element tensor. */
    public double item() {
        if (numel() != 1)
            throw new IllegalStateException("item() needs a tensor with one element, got shape " + Shape.str(shape));
        return toDoubleArray()[0];
    }

    /** The element at a full index (slow; for tests and debugging). */
    public double get(int... index) {
        return backend().toCpu(this).storage.getDouble(storageIndex(index));
    }

    private int storageIndex(int[] index) {
        if (index.length != shape.length)
            throw new IllegalArgumentException("get: " + index.length + " indices for a tensor of rank " + shape.length);
        int pos = offset;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i])
                throw new IndexOutOfBoundsException("get: index " + index[i] + " is out of bounds for dimension "
                        + i + " with size " + shape[i]);
            pos += index[i] * strides[i];
        }
        return pos;
    }

    // =============================================================================================
    // In-place ops (they bump the storage version; not recorded in the graph)

    /** {@code this += other} (broadcast to this shape). Returns this. */
    public Tensor addInPlace(Tensor other) {
        return Elementwise.inPlace("add_", BinaryOp.ADD, this, other);
    }

    /** {@code this += alpha · other}. Returns this. */
    public Tensor addInPlace(Tensor other, double alpha) {
        return alpha == 1 ? addInPlace(other) : addInPlace(other.mul(alpha));
    }

    /** {@code this *= other}. Returns this. */
    public Tensor mulInPlace(Tensor other) {
        return Elementwise.inPlace("mul_", BinaryOp.MUL, this, other);
    }

    /** {@code this *= s}. Returns this. */
    public Tensor mulInPlace(double s) {
        return mulInPlace(Tensor.scalar(s, dtype()).to(device()));
    }

    /** Sets every element to zero. Returns this. */
    public Tensor zero() {
        return fill(0);
    }

    /** Sets every element to {@code value}. Returns this. */
    public Tensor fill(double value) {
        Elementwise.checkInPlaceAllowed("fill_", this);
        backend().fill(this, value);
        storage.bumpVersion();
        return this;
    }

    /** Copies {@code src} (broadcast to this shape) into this tensor. Returns this. */
    public Tensor copyFrom(Tensor src) {
        Elementwise.checkInPlaceAllowed("copy_", this);
        Views.checkSameDevice("copy_", this, src);
        backend().copy(src.expand(shape), this);
        storage.bumpVersion();
        return this;
    }

    // =============================================================================================
    // Element-wise (see ops.Elementwise for forward and backward)

    public Tensor add(Tensor o) { return Elementwise.add(this, o); }
    public Tensor add(double s) { return Elementwise.add(this, scalarLike(s)); }
    public Tensor sub(Tensor o) { return Elementwise.sub(this, o); }
    public Tensor sub(double s) { return Elementwise.sub(this, scalarLike(s)); }
    public Tensor mul(Tensor o) { return Elementwise.mul(this, o); }
    public Tensor mul(double s) { return Elementwise.mul(this, scalarLike(s)); }
    public Tensor div(Tensor o) { return Elementwise.div(this, o); }
    public Tensor div(double s) { return Elementwise.div(this, scalarLike(s)); }
    public Tensor pow(Tensor o) { return Elementwise.pow(this, o); }
    public Tensor pow(double s) { return Elementwise.pow(this, scalarLike(s)); }
    public Tensor maximum(Tensor o) { return Elementwise.maximum(this, o); }
    public Tensor minimum(Tensor o) { return Elementwise.minimum(this, o); }
    public Tensor neg() { return Elementwise.neg(this); }
    public Tensor exp() { return Elementwise.exp(this); }
    public Tensor log() { return Elementwise.log(this); }
    public Tensor sqrt() { return Elementwise.sqrt(this); }
    public Tensor rsqrt() { return Elementwise.rsqrt(this); }
    public Tensor abs() { return Elementwise.abs(this); }
    public Tensor square() { return Elementwise.square(this); }
    public Tensor sin() { return Elementwise.sin(this); }
    public Tensor cos() { return Elementwise.cos(this); }
    public Tensor tanh() { return Elementwise.tanh(this); }
    public Tensor sigmoid() { return Elementwise.sigmoid(this); }
    public Tensor relu() { return Elementwise.relu(this); }
    /** The exact GELU, x·Φ(x). */
    public Tensor gelu() { return Elementwise.gelu(this); }
    /** GPT-2's tanh approximation of GELU. */
    public Tensor geluTanh() { return Elementwise.geluTanh(this); }
    public Tensor silu() { return Elementwise.silu(this); }
    public Tensor clamp(double min, double max) { return Elementwise.clamp(this, min, max); }

    public Tensor eq(Tensor o) { return Elementwise.compare(BinaryOp.EQ, this, o); }
    public Tensor eq(double s) { return eq(scalarLike(s)); }
    public Tensor ne(Tensor o) { return Elementwise.compare(BinaryOp.NE, this, o); }
    public Tensor lt(Tensor o) { return Elementwise.compare(BinaryOp.LT, this, o); }
    public Tensor lt(double s) { return lt(scalarLike(s)); }
    public Tensor le(Tensor o) { return Elementwise.compare(BinaryOp.LE, this, o); }
    public Tensor gt(Tensor o) { return Elementwise.compare(BinaryOp.GT, this, o); }
    public Tensor gt(double s) { return gt(scalarLike(s)); }
    public Tensor ge(Tensor o) { return Elementwise.compare(BinaryOp.GE, this, o); }

    /** {@code cond ? a : b} element-wise, broadcasting all three. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) { return Indexing.where(cond, a, b); }

    /** This tensor with {@code value} wherever {@code mask} is true. */
    public Tensor maskedFill(Tensor mask, double value) { return Indexing.maskedFill(this, mask, value); }

    /** A 0-d tensor of this tensor's dtype and device holding {@code s}. */
    public Tensor scalarLike(double s) {
        return Tensor.scalar(s, dtype().isFloatingPoint() ? dtype() : DType.F64).to(device());
    }

    // =============================================================================================
    // Reductions

    /** Sum of all elements (0-d). */
    public Tensor sum() { return Reductions.sum(this, allDims(), false); }
    /** Sum over {@code dim}. */
    public Tensor sum(int dim, boolean keepDim) { return Reductions.sum(this, new int[] {dim}, keepDim); }
    /** Sum over several dims. */
    public Tensor sum(int[] dims, boolean keepDim) { return Reductions.sum(this, dims, keepDim); }
    public Tensor mean() { return Reductions.mean(this, allDims(), false); }
    public Tensor mean(int dim, boolean keepDim) { return Reductions.mean(this, new int[] {dim}, keepDim); }
    public Tensor mean(int[] dims, boolean keepDim) { return Reductions.mean(this, dims, keepDim); }
    /** Population (correction 0) or sample (correction 1) variance over {@code dim}. */
    public Tensor var(int dim, boolean keepDim, int correction) { return Reductions.var(this, new int[] {dim}, keepDim, correction); }
    public Tensor var(int[] dims, boolean keepDim, int correction) { return Reductions.var(this, dims, keepDim, correction); }
    public Tensor std(int dim, boolean keepDim, int correction) { return var(dim, keepDim, correction).sqrt(); }
    /** Maximum over {@code dim} (gradient flows to the first maximal element). */
    public Tensor max(int dim, boolean keepDim) { return Reductions.max(this, dim, keepDim); }
    public Tensor min(int dim, boolean keepDim) { return Reductions.min(this, dim, keepDim); }
    public Tensor max() { return reshape(-1).max(0, false); }
    public Tensor min() { return reshape(-1).min(0, false); }
    /** Index of the first maximum along {@code dim}, int64. */
    public Tensor argmax(int dim, boolean keepDim) { return Reductions.argmax(this, dim, keepDim); }
    public Tensor argmin(int dim, boolean keepDim) { return Reductions.argmin(this, dim, keepDim); }
    /** log Σ exp along {@code dim}, stable. */
    public Tensor logsumexp(int dim, boolean keepDim) { return Reductions.logsumexp(this, dim, keepDim); }
    public Tensor softmax(int dim) { return Reductions.softmax(this, dim, false); }
    public Tensor logSoftmax(int dim) { return Reductions.softmax(this, dim, true); }

    private int[] allDims() {
        int[] d = new int[shape.length];
        for (int i = 0; i < d.length; i++) d[i] = i;
        return d;
    }

    // =============================================================================================
    // Matrix products

    /** Matrix product with torch.matmul's rules (1-D, 2-D, batched with broadcast batch dims). */
    public Tensor matmul(Tensor o) { return MatMul.matmul(this, o); }

    // =============================================================================================
    // Views (no copy) and shape ops

    /** A view with a new shape (one dim may be -1); copies only if the strides do not allow a view. */
    public Tensor reshape(int... newShape) { return Views.reshape(this, newShape); }
    /** Like reshape, but fails instead of copying. */
    public Tensor view(int... newShape) { return Views.view(this, newShape); }
    public Tensor flatten() { return reshape(-1); }
    public Tensor permute(int... dims) { return Views.permute(this, dims); }
    public Tensor transpose(int d0, int d1) { return Views.transpose(this, d0, d1); }
    /** The transpose of a 2-D tensor. */
    public Tensor t() {
        if (rank() != 2) throw new IllegalArgumentException("t: expects a 2-D tensor, got shape " + Shape.str(shape));
        return transpose(0, 1);
    }
    /** Elements {@code start .. start+length-1} along {@code dim}. */
    public Tensor narrow(int dim, int start, int length) { return Views.narrow(this, dim, start, length); }
    /** Elements {@code [start, end)} along {@code dim} (negative indices count from the end). */
    public Tensor slice(int dim, int start, int end) { return Views.slice(this, dim, start, end); }
    /** Index {@code i} along {@code dim}, removing that dim. */
    public Tensor select(int dim, int i) { return Views.select(this, dim, i); }
    /** Broadcast to {@code newShape} (size-1 dims repeat with stride 0; -1 keeps a dim). */
    public Tensor expand(int... newShape) { return Views.expand(this, newShape); }
    public Tensor squeeze(int dim) { return Views.squeeze(this, dim); }
    public Tensor unsqueeze(int dim) { return Views.unsqueeze(this, dim); }

    // =============================================================================================
    // Indexing

    /** Slices along {@code dim} at the int32/int64 indices {@code index} (1-D). */
    public Tensor indexSelect(int dim, Tensor index) { return Indexing.indexSelect(this, dim, index); }
    /** torch.gather: {@code out[i][j] = this[i][index[i][j]]} for dim 1, and likewise for any dim. */
    public Tensor gather(int dim, Tensor index) { return Indexing.gather(this, dim, index); }
    /** Rows of this (num_embeddings, dim) table at the ids: {@code ids (..)} gives {@code (.., dim)}. */
    public Tensor embedding(Tensor ids) { return Indexing.embedding(this, ids); }
    /** Zeroes the elements above the {@code diagonal}-th diagonal of the last two dims. */
    public Tensor tril(int diagonal) { return Indexing.tril(this, diagonal); }
    /** Zeroes the elements below the {@code diagonal}-th diagonal of the last two dims. */
    public Tensor triu(int diagonal) { return Indexing.triu(this, diagonal); }
    /** Splits into pieces of {@code size} along {@code dim} (the last may be smaller); views. */
    public List<Tensor> split(int size, int dim) { return Indexing.split(this, size, dim); }
    /** Splits into {@code chunks} nearly equal pieces along {@code dim}; views. */
    public List<Tensor> chunk(int chunks, int dim) { return Indexing.chunk(this, chunks, dim); }
    /** Concatenation along {@code dim}. */
    public static Tensor cat(List<Tensor> tensors, int dim) { return Indexing.cat(tensors, dim); }
    /** Stacks equal-shaped tensors along a new dimension {@code dim}. */
    public static Tensor stack(List<Tensor> tensors, int dim) { return Indexing.stack(tensors, dim); }
    /** One-hot encoding of int indices: {@code (..)} to {@code (.., numClasses)} of {@code dtype}. */
    public Tensor oneHot(int numClasses, DType dtype) { return Indexing.oneHot(this, numClasses, dtype); }

    // =============================================================================================

    @Override
    public String toString() {
        return TensorFormat.format(this);
    }

    /** Runs {@code body} without recording the graph (shorthand for a {@link NoGrad} scope). */
    public static <T> T noGrad(java.util.function.Supplier<T> body) {
        try (NoGrad ignored = NoGrad.enter()) {
            return body.get();
        }
    }
}
