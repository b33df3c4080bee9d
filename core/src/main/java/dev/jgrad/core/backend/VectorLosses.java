package dev.jgrad.core.backend;

import dev.jgrad.core.parallel.Parallel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 cross-entropy over rows of logits on the Vector API. The forward reads each row once from memory
 * (a max pass, then an exp-sum pass in cache) and keeps only the row's log-sum-exp; the backward recomputes
 * the softmax from it while writing the gradient, so no (rows, C) probability tensor is ever stored.
 */
final class VectorLosses {

    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length();

    private VectorLosses() {}

    /** loss = lse − (1−ε)·x_t − (ε/C)·Σx per row (0 for ignored rows); lse per row. */
    static void crossEntropy(float[] x, int xo, long[] targets, int rows, int classes, int ignoreIndex,
                             float smoothing, float[] loss, int lo, float[] lse, int so) {
        Parallel.forRange(rows, VectorNorms.rowsPerTask(classes), (from, to) -> {
            for (int r = from; r < to; r++) {
                int xr = xo + r * classes;
                float logSumExp = logSumExp(x, xr, classes);
                lse[so + r] = logSumExp;
                int t = (int) targets[r];
                if (t == ignoreIndex) {
                    loss[lo + r] = 0f;
                    continue;
                }
                float l = logSumExp - (1f - smoothing) * x[xr + t];
                if (smoothing != 0f) l -= smoothing / classes * VectorElementwise.sum(x, xr, classes);
                loss[lo + r] = l;
            }
        });
    }

    /** dlogits = g_r·(exp(x − lse) − ε/C − (1−ε)·[c = t]); zero rows where the target is ignored. */
    static void crossEntropyBackward(float[] x, int xo, long[] targets, float[] lse, int so, float[] rowGrad,
                                     int rows, int classes, int ignoreIndex, float smoothing, float[] dx, int dxo) {
        float offTarget = smoothing / classes;
        Parallel.forRange(rows, VectorNorms.rowsPerTask(classes), (from, to) -> {
            for (int r = from; r < to; r++) {
                int xr = xo + r * classes, dr = dxo + r * classes;
                int t = (int) targets[r];
                if (t == ignoreIndex) {
                    java.util.Arrays.fill(dx, dr, dr + classes, 0f);
                    continue;
                }
                float g = rowGrad[r], shift = lse[so + r];
                FloatVector vs = FloatVector.broadcast(S, shift), vg = FloatVector.broadcast(S, g);
                FloatVector voff = FloatVector.broadcast(S, offTarget);
                int c = 0;
                for (; c < S.loopBound(classes); c += L) {
                    FloatVector p = VectorMath.exp(FloatVector.fromArray(S, x, xr + c).sub(vs));
                    p.sub(voff).mul(vg).intoArray(dx, dr + c);
                }
                for (; c < classes; c++) dx[dr + c] = g * ((float) Math.exp(x[xr + c] - shift) - offTarget);
                dx[dr + t] = g * ((float) Math.exp(x[xr + t] - shift) - offTarget - (1f - smoothing));
            }
        });
    }

    /**
     * log Σ exp(x) of a row, stably, in one pass over memory when possible: the shift c is the maximum of
     * the row's first vector (an element of the row, so its own term is exactly 1 and the sum cannot
     * underflow), and {@code lse = c + log Σ exp(x − c)}. Only if some {@code x − c} is large enough to
     * overflow (the sum comes out infinite) is the row redone with its true maximum. A separate max pass
     * would read the row from memory before the exp pass could start; this way the loads overlap the exps.
     */
    static float logSumExp(float[] x, int o, int n) {
        float c = n >= L ? FloatVector.fromArray(S, x, o).reduceLanes(VectorOperators.MAX) : x[o];
        if (Float.isFinite(c)) {
            float s = expSum(x, o, n, c);
            if (Float.isFinite(s)) return c + (float) Math.log(s);
        }
        float m = VectorElementwise.max(x, o, n);
        if (Float.isInfinite(m)) return m;
        return m + (float) Math.log(expSum(x, o, n, m));
    }

    /** Σ exp(x − shift) over a row. */
    private static float expSum(float[] x, int o, int n, float shift) {
        FloatVector vs = FloatVector.broadcast(S, shift), acc = FloatVector.zero(S);
        int i = 0;
        for (; i < S.loopBound(n); i += L) acc = acc.add(VectorMath.exp(FloatVector.fromArray(S, x, o + i).sub(vs)));
        float s = VectorMath.sumLanes(acc);
        for (; i < n; i++) s += (float) Math.exp(x[o + i] - shift);
        return s;
    }
}
