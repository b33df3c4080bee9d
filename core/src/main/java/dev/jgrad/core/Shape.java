package dev.jgrad.core;

import java.util.Arrays;

/** Static helpers for shapes and strides (row-major, in elements). */
public final class Shape {

    private Shape() {}

    /** Product of the dimensions, with an overflow check (Java arrays hold at most 2^31 - 1 elements). */
    public static int numel(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + str(shape));
            n *= d;
            if (n > Integer.MAX_VALUE)
                throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^31-1 elements");
        }
        return (int) n;
    }

    /** Row-major strides of a contiguous tensor of this shape. */
    public static int[] contiguousStrides(int... shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    /** A dimension index that may be negative (counting from the end), checked against the rank. */
    public static int normalizeDim(int dim, int rank, String op) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= Math.max(rank, 1) || (rank == 0 && d != 0))
            throw new IllegalArgumentException(op + ": dimension " + dim + " is out of range for a tensor of rank " + rank);
        return d;
    }

    /**
     * NumPy broadcasting: shapes are aligned at the right; each pair of dimensions must be equal or one of
     * them 1.
     */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast (dimension " + i + ": " + da + " vs " + db + ")");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** "[2, 3, 4]". */
    public static String str(int... shape) {
        return Arrays.toString(shape);
    }

    /**
     * Resolves a single -1 in a requested shape so that it holds {@code numel} elements.
     */
    public static int[] inferShape(String op, int numel, int... shape) {
        int[] out = shape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException(op + ": only one dimension can be -1 in " + str(shape));
                infer = i;
            } else if (out[i] < 0) {
                throw new IllegalArgumentException(op + ": invalid dimension " + out[i] + " in " + str(shape));
            } else {
                known *= out[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel % known != 0)
                throw new IllegalArgumentException(op + ": shape " + str(shape) + " is invalid for " + numel + " elements");
            out[infer] = (int) (numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException(op + ": shape " + str(shape) + " is invalid for " + numel + " elements");
        }
        return out;
    }
}
