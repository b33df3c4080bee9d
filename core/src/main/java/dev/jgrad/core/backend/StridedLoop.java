package dev.jgrad.core.backend;

import dev.jgrad.core.Tensor;

/**
 * Iterates same-shaped strided operands as a sequence of 1-D runs, so that fast kernels work on plain
 * {@code (array, offset, stride, length)} spans.
 *
 * <p>Dimensions are first <em>coalesced</em>: neighbours {@code d, d+1} merge when every operand has
 * {@code stride[d] == stride[d+1] * size[d+1]}, and size-1 dims vanish. A contiguous tensor becomes one run;
 * a bias broadcast over rows becomes rows of unit-stride runs for the data and stride-0 runs for the bias.
 */
final class StridedLoop {

    /** Visits one run: {@code offsets[k]} is operand k's storage index of the run's first element. */
    interface RunBody {
        void run(int[] offsets, int length);
    }

    final int rank;          // coalesced rank (>= 1)
    final int[] shape;       // coalesced shape
    final int[][] strides;   // [operand][dim]
    final int[] offsets;     // base offsets
    final int innerLength;
    final int[] innerStrides;

    StridedLoop(Tensor... operands) {
        int[] s = operands[0].shape();
        int n = operands.length;
        int[][] st = new int[n][];
        offsets = new int[n];
        for (int k = 0; k < n; k++) {
            st[k] = operands[k].strides();
            offsets[k] = operands[k].offset();
        }
        // Drop size-1 dims, then merge neighbours from the right.
        int[] cs = new int[Math.max(1, s.length)];
        int[][] cst = new int[n][Math.max(1, s.length)];
        int r = 0;
        for (int d = 0; d < s.length; d++) {
            if (s[d] == 1) continue;
            if (r > 0 && mergeable(st, d, s[d], cst, r - 1)) {
                cs[r - 1] *= s[d];
                for (int k = 0; k < n; k++) cst[k][r - 1] = st[k][d];
            } else {
                cs[r] = s[d];
                for (int k = 0; k < n; k++) cst[k][r] = st[k][d];
                r++;
            }
        }
        if (r == 0) { // a single element
            cs[0] = 1;
            for (int k = 0; k < n; k++) cst[k][0] = 1;
            r = 1;
        }
        rank = r;
        shape = java.util.Arrays.copyOf(cs, r);
        strides = new int[n][];
        innerStrides = new int[n];
        for (int k = 0; k < n; k++) {
            strides[k] = java.util.Arrays.copyOf(cst[k], r);
            innerStrides[k] = strides[k][r - 1];
        }
        innerLength = shape[r - 1];
    }

    /** Dim d (size sd) continues the previous coalesced dim p if, for all operands, stride[p] == stride[d]·sd. */
    private static boolean mergeable(int[][] st, int d, int sd, int[][] cst, int p) {
        for (int k = 0; k < st.length; k++) if (cst[k][p] != (long) st[k][d] * sd) return false;
        return true;
    }

    /** Number of runs. */
    int outerCount() {
        int c = 1;
        for (int d = 0; d < rank - 1; d++) c *= shape[d];
        return c;
    }

    /** Visits runs {@code [from, to)} in order. */
    void forRuns(int from, int to, RunBody body) {
        int n = offsets.length;
        int[] off = new int[n];
        int[] idx = new int[Math.max(1, rank - 1)];
        // position of run 'from'
        int rem = from;
        for (int d = rank - 2; d >= 0; d--) {
            idx[d] = rem % shape[d];
            rem /= shape[d];
        }
        for (int k = 0; k < n; k++) {
            int o = offsets[k];
            for (int d = 0; d < rank - 1; d++) o += idx[d] * strides[k][d];
            off[k] = o;
        }
        for (int run = from; run < to; run++) {
            body.run(off, innerLength);
            // advance the odometer
            for (int d = rank - 2; d >= 0; d--) {
                idx[d]++;
                for (int k = 0; k < n; k++) off[k] += strides[k][d];
                if (idx[d] < shape[d]) break;
                for (int k = 0; k < n; k++) off[k] -= strides[k][d] * shape[d];
                idx[d] = 0;
            }
        }
    }

    /** True when every operand's innermost stride is 0 or 1 (and operand {@code out} has stride 1). */
    boolean innerUnitOrBroadcast(int out) {
        if (innerStrides[out] != 1 && innerLength > 1) return false;
        for (int s : innerStrides) if (s != 0 && s != 1 && innerLength > 1) return false;
        return true;
    }
}
