package dev.jgrad.core.backend;

import dev.jgrad.core.Tensor;

/**
 * The shape and strides of a tensor captured once, mapping a row-major element number to a storage index.
 * Used by the scalar reference kernels, which favour obviousness over speed.
 */
final class Layout {
    final int[] shape;
    final int[] strides;
    final int offset;
    final int numel;

    Layout(Tensor t) {
        this.shape = t.shape();
        this.strides = t.strides();
        this.offset = t.offset();
        this.numel = t.numel();
    }

    /** Storage index of the element with row-major number {@code linear}. */
    int at(int linear) {
        int pos = offset;
        for (int d = shape.length - 1; d >= 0; d--) {
            int size = shape[d];
            pos += (linear % size) * strides[d];
            linear /= size;
        }
        return pos;
    }

    /** Storage index of the element at the multi-index {@code idx}. */
    int at(int[] idx) {
        int pos = offset;
        for (int d = 0; d < idx.length; d++) pos += idx[d] * strides[d];
        return pos;
    }

    /** The multi-index of row-major element {@code linear}, written into {@code idx}. */
    void unravel(int linear, int[] idx) {
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = linear % shape[d];
            linear /= shape[d];
        }
    }
}
