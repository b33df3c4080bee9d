package dev.jgrad.core.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 element-wise span kernels on the Vector API: {@code out[o..o+n) = op(a[..], b[..])} where each
 * input is either a unit-stride run or a single broadcast value (stride 0). A scalar tail finishes the last
 * partial vector using the reference definition of the op.
 */
final class VectorElementwise {

    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length();

    private VectorElementwise() {}

    static void unary(UnaryOp op, float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            switch (op) {
                case NEG -> v.neg().intoArray(out, oo + i);
                case EXP -> VectorMath.exp(v).intoArray(out, oo + i);
                case SQRT -> v.sqrt().intoArray(out, oo + i);
                case RSQRT -> VectorMath.inv(v.sqrt()).intoArray(out, oo + i);
                case ABS -> v.abs().intoArray(out, oo + i);
                case SQUARE -> v.mul(v).intoArray(out, oo + i);
                case RECIPROCAL -> VectorMath.inv(v).intoArray(out, oo + i);
                case TANH -> VectorMath.tanh(v).intoArray(out, oo + i);
                case SIGMOID -> VectorMath.sigmoid(v).intoArray(out, oo + i);
                case RELU -> v.max(0f).intoArray(out, oo + i);
                case GELU -> VectorMath.gelu(v).intoArray(out, oo + i);
                case GELU_TANH -> VectorMath.geluTanh(v).intoArray(out, oo + i);
                case SILU -> v.mul(VectorMath.sigmoid(v)).intoArray(out, oo + i);
                case SIGN, LOG, SIN, COS -> scalarUnary(op, x, xo + i, out, oo + i, L); // not hot: Math per lane
            }
        }
        scalarUnary(op, x, xo + i, out, oo + i, n - i);
    }

    private static void scalarUnary(UnaryOp op, float[] x, int xo, float[] out, int oo, int n) {
        for (int j = 0; j < n; j++) out[oo + j] = (float) op.apply(x[xo + j]);
    }

    /**
     * {@code out = op(a, b)} over n elements; {@code as}/{@code bs} are 1 (a run) or 0 (one broadcast value).
     * Comparisons are not handled here (they write BOOL).
     */
    static void binary(BinaryOp op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int oo, int n) {
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector ca = as == 0 ? FloatVector.broadcast(S, a[ao]) : null;
        FloatVector cb = bs == 0 ? FloatVector.broadcast(S, b[bo]) : null;
        for (; i < bound; i += L) {
            FloatVector va = ca != null ? ca : FloatVector.fromArray(S, a, ao + i);
            FloatVector vb = cb != null ? cb : FloatVector.fromArray(S, b, bo + i);
            switch (op) {
                case ADD -> va.add(vb).intoArray(out, oo + i);
                case SUB -> va.sub(vb).intoArray(out, oo + i);
                case MUL -> va.mul(vb).intoArray(out, oo + i);
                case DIV -> va.div(vb).intoArray(out, oo + i);
                case MAXIMUM -> va.max(vb).intoArray(out, oo + i);
                case MINIMUM -> va.min(vb).intoArray(out, oo + i);
                case RELU_BACKWARD -> vb.blend(0f, va.compare(VectorOperators.GT, 0f).not()).intoArray(out, oo + i);
                case GELU_BACKWARD -> vb.mul(VectorMath.geluGrad(va)).intoArray(out, oo + i);
                case GELU_TANH_BACKWARD -> vb.mul(VectorMath.geluTanhGrad(va)).intoArray(out, oo + i);
                case SILU_BACKWARD -> {
                    FloatVector s = VectorMath.sigmoid(va);
                    vb.mul(s).mul(va.mul(s.neg().add(1f)).add(1f)).intoArray(out, oo + i);
                }
                case SIGMOID_BACKWARD -> vb.mul(va).mul(va.neg().add(1f)).intoArray(out, oo + i);
                case TANH_BACKWARD -> vb.mul(va.mul(va).neg().add(1f)).intoArray(out, oo + i);
                default -> scalarBinary(op, a, ao + i * as, as, b, bo + i * bs, bs, out, oo + i, L);
            }
        }
        scalarBinary(op, a, ao + i * as, as, b, bo + i * bs, bs, out, oo + i, n - i);
    }

    private static void scalarBinary(BinaryOp op, float[] a, int ao, int as, float[] b, int bo, int bs,
                                     float[] out, int oo, int n) {
        for (int j = 0; j < n; j++) out[oo + j] = (float) op.apply(a[ao + j * as], b[bo + j * bs]);
    }

    /** Σ x[o..o+n) in a fixed order (vector lanes, then the lanes combined, then the tail). */
    static float sum(float[] x, int o, int n) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = FloatVector.zero(S);
        int i = 0;
        int bound2 = n - n % (2 * L);
        for (; i < bound2; i += 2 * L) {
            acc0 = acc0.add(FloatVector.fromArray(S, x, o + i));
            acc1 = acc1.add(FloatVector.fromArray(S, x, o + i + L));
        }
        for (; i < S.loopBound(n); i += L) acc0 = acc0.add(FloatVector.fromArray(S, x, o + i));
        float s = VectorMath.sumLanes(acc0.add(acc1));
        for (; i < n; i++) s += x[o + i];
        return s;
    }

    /** acc[0..n) += x[o..o+n). */
    static void accumulate(float[] acc, int ao, float[] x, int xo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) {
            FloatVector.fromArray(S, acc, ao + i).add(FloatVector.fromArray(S, x, xo + i)).intoArray(acc, ao + i);
        }
        for (; i < n; i++) acc[ao + i] += x[xo + i];
    }

    /** max of x[o..o+n) (n ≥ 1; NaN handling left to callers that need it). */
    static float max(float[] x, int o, int n) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (n >= L) {
            FloatVector acc = FloatVector.fromArray(S, x, o);
            for (i = L; i < S.loopBound(n); i += L) acc = acc.max(FloatVector.fromArray(S, x, o + i));
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) m = Math.max(m, x[o + i]);
        return m;
    }
}
