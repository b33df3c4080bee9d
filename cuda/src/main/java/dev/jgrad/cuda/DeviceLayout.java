package dev.jgrad.cuda;

import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Same-shaped strided operands packed for a kernel: the {@code Strided} struct of {@code jgrad.cuh}.
 *
 * <p>Dimensions are coalesced first, exactly as the CPU's strided loop does: size-1 dims vanish, and neighbours
 * {@code p, d} merge when every operand has {@code stride[p] == stride[d] · size[d]}. A contiguous tensor becomes
 * rank 1 (the kernels' fast path); a bias broadcast over rows becomes rank 2 with a stride-0 row dimension.
 * At most {@link #MAX_OPERANDS} operands and {@link #MAX_RANK} coalesced dims fit (a view that does not coalesce
 * below 9 dims is refused with a clear message).
 *
 * <p>Element {@code linear} (row-major over the coalesced shape) of operand k is at storage index
 * {@link #offsetOf}{@code (k, linear)} relative to the operand's own offset, which the host folds into the
 * pointer it passes. The kernel's {@code jg_offset} is the same loop.
 */
final class DeviceLayout {

    static final int MAX_RANK = 8;
    static final int MAX_OPERANDS = 4;
    /** sizeof(Strided): rank, numel, shape[8], strides[4][8], all int32. */
    static final int STRUCT_BYTES = 4 + 4 + 4 * MAX_RANK + 4 * MAX_OPERANDS * MAX_RANK;

    final int rank;
    final int numel;
    final int[] shape;
    final int[][] strides;

    private DeviceLayout(int rank, int numel, int[] shape, int[][] strides) {
        this.rank = rank;
        this.numel = numel;
        this.shape = shape;
        this.strides = strides;
    }

    /** The layout of same-shaped tensors (their shapes must agree; broadcast operands are stride-0 views). */
    static DeviceLayout of(Tensor... operands) {
        int[] shape = operands[0].shape();
        int[][] strides = new int[operands.length][];
        for (int k = 0; k < operands.length; k++) {
            if (!Arrays.equals(operands[k].shape(), shape))
                throw new IllegalArgumentException("operand " + k + " has shape " + Shape.str(operands[k].shape())
                        + " but operand 0 has " + Shape.str(shape));
            strides[k] = operands[k].strides();
        }
        return of(shape, strides);
    }

    /** The layout of operands sharing {@code shape} with the given per-operand strides. */
    static DeviceLayout of(int[] shape, int[]... strides) {
        int n = strides.length;
        if (n < 1 || n > MAX_OPERANDS)
            throw new IllegalArgumentException("a kernel layout takes 1 to " + MAX_OPERANDS + " operands, got " + n);
        for (int[] s : strides)
            if (s.length != shape.length)
                throw new IllegalArgumentException("strides " + Shape.str(s) + " do not match shape " + Shape.str(shape));
        int[] cs = new int[Math.max(1, shape.length)];
        int[][] cst = new int[n][Math.max(1, shape.length)];
        int r = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            if (r > 0 && mergeable(strides, d, shape[d], cst, r - 1)) {
                cs[r - 1] *= shape[d];
                for (int k = 0; k < n; k++) cst[k][r - 1] = strides[k][d];
            } else {
                cs[r] = shape[d];
                for (int k = 0; k < n; k++) cst[k][r] = strides[k][d];
                r++;
            }
        }
        if (r == 0) { // a single element, or an empty tensor with a 0 dim folded below
            cs[0] = 1;
            for (int k = 0; k < n; k++) cst[k][0] = 0;
            r = 1;
        }
        if (r > MAX_RANK)
            throw new IllegalArgumentException("a strided view of shape " + Shape.str(shape) + " keeps " + r
                    + " dimensions after merging, more than the " + MAX_RANK + " the CUDA kernels take;"
                    + " make it contiguous first");
        int numel = Shape.numel(shape);
        int[][] packed = new int[n][];
        for (int k = 0; k < n; k++) packed[k] = Arrays.copyOf(cst[k], r);
        return new DeviceLayout(r, numel, Arrays.copyOf(cs, r), packed);
    }

    private static boolean mergeable(int[][] st, int d, int sd, int[][] cst, int p) {
        for (int k = 0; k < st.length; k++) if (cst[k][p] != (long) st[k][d] * sd) return false;
        return true;
    }

    /** Storage index (relative to the operand's offset) of element {@code linear} of operand {@code k}. */
    long offsetOf(int k, int linear) {
        long pos = 0;
        for (int d = rank - 1; d >= 0; d--) {
            int size = shape[d];
            pos += (long) (linear % size) * strides[k][d];
            linear /= size;
        }
        return pos;
    }

    /** The {@code Strided} struct, little-endian, {@link #STRUCT_BYTES} bytes; unused slots are zero. */
    byte[] toStruct() {
        ByteBuffer b = ByteBuffer.allocate(STRUCT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(rank).putInt(numel);
        for (int d = 0; d < MAX_RANK; d++) b.putInt(d < rank ? shape[d] : 0);
        for (int k = 0; k < MAX_OPERANDS; k++)
            for (int d = 0; d < MAX_RANK; d++) b.putInt(k < strides.length && d < rank ? strides[k][d] : 0);
        return b.array();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("DeviceLayout(shape " + Shape.str(shape));
        for (int[] st : strides) s.append(", strides ").append(Shape.str(st));
        return s.append(')').toString();
    }
}
