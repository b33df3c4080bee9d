package dev.jgrad.core.kernels;

import jdk.incubator.vector.FloatVector;

/**
 * Horizontal operations on vectors that give the same bits in compiled and interpreted code.
 *
 * <p>{@code FloatVector.reduceLanes(VectorOperators.ADD)} sums lanes in an unspecified order: the JIT's
 * instruction sequence and the interpreter's lane-by-lane loop round differently, so a program would change its
 * results as it warms up. jgrad promises bit-identical results (across thread counts, and for exact resumption
 * of training), so every lane sum goes through {@link #sum}, a fixed left-to-right order.
 */
public final class Lanes {

    private Lanes() {}

    /** Σ lanes, lane 0 first. */
    public static float sum(FloatVector v) {
        float[] lanes = new float[v.length()];
        v.intoArray(lanes, 0);
        float s = 0;
        for (float f : lanes) s += f;
        return s;
    }
}
