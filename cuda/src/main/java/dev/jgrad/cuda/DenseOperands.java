package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.Backend;

import java.util.ArrayList;
import java.util.List;

/**
 * The operands of one fused kernel call in the form the kernel reads: on the backend's device, contiguous, and
 * of one compute dtype (float32 stays float32; float64 and every other floating type compute in float64, like
 * the reference backend). A tensor that already qualifies is used as it is; any other is copied by the backend
 * (on its device) into a temporary, and an output temporary is copied back into its target by {@link #close()}.
 * So a fused kernel takes arbitrary strided views of any float dtype, and nothing runs on the host.
 *
 * <pre>{@code
 * try (DenseOperands ops = new DenseOperands(backend, "layerNorm", x.dtype())) {
 *     Tensor xd = ops.in(x), yd = ops.out(y);     // y is written back on close if yd is a temporary
 *     launch(..., xd, yd);
 * }
 * }</pre>
 *
 * Temporaries are released at {@link #close()} (after the copies back were queued; the device runs its work in
 * order, so a released block can be reused at once). Every operand must already live on the backend's device:
 * otherwise the call fails naming the op and the operand.
 */
final class DenseOperands implements AutoCloseable {

    private final Backend backend;
    private final String op;
    private final DType dtype;
    private final List<Tensor> temporaries = new ArrayList<>();
    private final List<Tensor[]> writeBacks = new ArrayList<>(); // {temporary, target}

    /** Operands computed in {@link #computeType}{@code (storageType)}. */
    DenseOperands(Backend backend, String op, DType storageType) {
        this(backend, op, storageType, false);
    }

    private DenseOperands(Backend backend, String op, DType storageType, boolean keepDtype) {
        this.backend = backend;
        this.op = op;
        if (!storageType.isFloatingPoint())
            throw new IllegalArgumentException(op + ": expected floating-point tensors, got " + storageType);
        this.dtype = keepDtype ? storageType : computeType(storageType);
    }

    /**
     * Operands kept in their floating dtype {@code storageType} (BF16 and F16 included), only made contiguous: for
     * kernels that load and store any dtype themselves (the optimizer updates, which must re-read their moments
     * exactly as stored).
     */
    static DenseOperands keepingDtype(Backend backend, String op, DType storageType) {
        return new DenseOperands(backend, op, storageType, true);
    }

    /** The dtype kernels compute on for floating tensors stored as {@code storage}: F32 for F32, else F64. */
    static DType computeType(DType storage) {
        return storage == DType.F32 ? DType.F32 : DType.F64;
    }

    /** The dtype of this call's floating operands. */
    DType dtype() {
        return dtype;
    }

    /** {@code t} (or null) as a contiguous input of the compute dtype. */
    Tensor in(Tensor t) {
        if (t == null) return null;
        require(t);
        if (t.dtype() == dtype && t.isContiguous()) return t;
        Tensor c = temporary(dtype, t.shape());
        backend.copy(t, c);
        return c;
    }

    /** {@code t} (or null) as an output of the compute dtype: itself, or a temporary copied into it on close. */
    Tensor out(Tensor t) {
        if (t == null) return null;
        require(t);
        if (t.dtype() == dtype && t.isContiguous()) return t;
        Tensor c = temporary(dtype, t.shape());
        writeBacks.add(new Tensor[] {c, t});
        return c;
    }

    /** {@code t} (or null), read and updated in place: itself, or a temporary holding its values, copied back on close. */
    Tensor inOut(Tensor t) {
        if (t == null) return null;
        require(t);
        if (t.dtype() == dtype && t.isContiguous()) return t;
        Tensor c = temporary(dtype, t.shape());
        backend.copy(t, c);
        writeBacks.add(new Tensor[] {c, t});
        return c;
    }

    /** {@code t} (or null) as contiguous I32 or I64 indices (other integer types and views become I64 copies). */
    Tensor indices(Tensor t) {
        if (t == null) return null;
        require(t);
        if ((t.dtype() == DType.I32 || t.dtype() == DType.I64) && t.isContiguous()) return t;
        if (t.dtype().isFloatingPoint() || t.dtype() == DType.BOOL)
            throw new IllegalArgumentException(op + ": indices must be integers, got " + t.dtype());
        Tensor c = temporary(DType.I64, t.shape());
        backend.copy(t, c);
        return c;
    }

    /** {@code t} (or null) as a contiguous BOOL mask (one byte per element, nonzero = true). */
    Tensor mask(Tensor t) {
        if (t == null) return null;
        require(t);
        if (t.dtype() != DType.BOOL) throw new IllegalArgumentException(op + ": a mask must be BOOL, got " + t.dtype());
        if (t.isContiguous()) return t;
        Tensor c = temporary(DType.BOOL, t.shape());
        backend.copy(t, c);
        return c;
    }

    /** A fresh zero-filled tensor on the device, released on close. */
    Tensor scratch(DType type, int... shape) {
        return temporary(type, shape);
    }

    private Tensor temporary(DType type, int[] shape) {
        Tensor c = Tensor.empty(type, backend.device(), shape);
        temporaries.add(c);
        return c;
    }

    private void require(Tensor t) {
        if (!t.device().equals(backend.device()))
            throw new IllegalArgumentException(op + ": a tensor of shape " + Shape.str(t.shape()) + " is on "
                    + t.device() + ", expected " + backend.device() + " (move it with .to(device))");
    }

    /** How many temporaries this call needed (for tests). */
    int temporaryCount() {
        return temporaries.size();
    }

    /** Copies output temporaries into their targets, then releases every temporary. */
    @Override
    public void close() {
        for (Tensor[] wb : writeBacks) backend.copy(wb[0], wb[1]);
        writeBacks.clear();
        for (Tensor t : temporaries) {
            if (t.storage() instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException(op + ": releasing a temporary failed", e);
                }
            }
        }
        temporaries.clear();
    }
}
