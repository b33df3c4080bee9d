package dev.jgrad.core.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 element-wise span kernels on the Vector API: {@code out[o..o+n) = op(a[..], b[..])} where each
 * input is either a unit-stride run or a single broadcast value (stride 0). A scalar tail finishes the last
 * partial vector using the reference definition of the op.
 *
 * <p>Every op has its own small loop. That is deliberate: the JIT keeps vectors in registers only when the
 * whole computation inlines into the loop, and it inlines a callee such as {@link VectorMath#exp} only from a
 * hot, small caller. One big loop with a {@code switch} over all ops per vector defeats that (the arms are
 * cold, the method is too large), and every vector then lives in a heap object: an order of magnitude slower.
 */
final class VectorElementwise {

    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length();

    private VectorElementwise() {}

    static void unary(UnaryOp op, float[] x, int xo, float[] out, int oo, int n) {
        int done = switch (op) {
            case NEG -> neg(x, xo, out, oo, n);
            case EXP -> exp(x, xo, out, oo, n);
            case SQRT -> sqrt(x, xo, out, oo, n);
            case RSQRT -> rsqrt(x, xo, out, oo, n);
            case ABS -> abs(x, xo, out, oo, n);
            case SQUARE -> square(x, xo, out, oo, n);
            case RECIPROCAL -> reciprocal(x, xo, out, oo, n);
            case TANH -> tanh(x, xo, out, oo, n);
            case SIGMOID -> sigmoid(x, xo, out, oo, n);
            case RELU -> relu(x, xo, out, oo, n);
            case GELU -> gelu(x, xo, out, oo, n);
            case GELU_TANH -> geluTanh(x, xo, out, oo, n);
            case SILU -> silu(x, xo, out, oo, n);
            case SIGN, LOG, SIN, COS -> 0; // not hot: the reference definition per element
        };
        for (int j = done; j < n; j++) out[oo + j] = (float) op.apply(x[xo + j]);
    }

    // Each returns how many leading elements it wrote (a multiple of the vector length).

    private static int neg(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) FloatVector.fromArray(S, x, xo + i).neg().intoArray(out, oo + i);
        return i;
    }

    private static int exp(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) VectorMath.exp(FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i);
        return i;
    }

    private static int sqrt(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) FloatVector.fromArray(S, x, xo + i).sqrt().intoArray(out, oo + i);
        return i;
    }

    private static int rsqrt(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) VectorMath.inv(FloatVector.fromArray(S, x, xo + i).sqrt()).intoArray(out, oo + i);
        return i;
    }

    private static int abs(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) FloatVector.fromArray(S, x, xo + i).abs().intoArray(out, oo + i);
        return i;
    }

    private static int square(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.mul(v).intoArray(out, oo + i);
        }
        return i;
    }

    private static int reciprocal(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) VectorMath.inv(FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i);
        return i;
    }

    private static int tanh(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) VectorMath.tanh(FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i);
        return i;
    }

    private static int sigmoid(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L)
            VectorMath.inv(VectorMath.exp(FloatVector.fromArray(S, x, xo + i).neg()).add(1f)).intoArray(out, oo + i);
        return i;
    }

    private static int relu(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) FloatVector.fromArray(S, x, xo + i).max(0f).intoArray(out, oo + i);
        return i;
    }

    private static int gelu(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);                      // x·Φ(x) = x/2·(1 + erf(x/√2))
            v.mul(0.5f).mul(VectorMath.erf(v.mul(VectorMath.SQRT1_2)).add(1f)).intoArray(out, oo + i);
        }
        return i;
    }

    private static int geluTanh(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);      // x/2·(1 + tanh(√(2/π)(x + 0.044715x³)))
            FloatVector inner = v.mul(v).mul(0.044715f).add(1f).mul(v).mul(VectorMath.SQRT_2_OVER_PI);
            v.mul(0.5f).mul(VectorMath.tanh(inner).add(1f)).intoArray(out, oo + i);
        }
        return i;
    }

    private static int silu(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.mul(VectorMath.inv(VectorMath.exp(v.neg()).add(1f))).intoArray(out, oo + i);       // x·σ(x)
        }
        return i;
    }

    /**
     * {@code out = op(a, b)} over n elements; {@code as}/{@code bs} are 1 (a run) or 0 (one broadcast value).
     * Comparisons are not handled here (they write BOOL).
     */
    static void binary(BinaryOp op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int oo, int n) {
        int done = 0;
        if (as == 1 && bs == 1) {
            done = switch (op) {
                case ADD -> add(a, ao, b, bo, out, oo, n);
                case SUB -> sub(a, ao, b, bo, out, oo, n);
                case MUL -> mul(a, ao, b, bo, out, oo, n);
                case DIV -> div(a, ao, b, bo, out, oo, n);
                case MAXIMUM -> max(a, ao, b, bo, out, oo, n);
                case MINIMUM -> min(a, ao, b, bo, out, oo, n);
                case RELU_BACKWARD -> reluBackward(a, ao, b, bo, out, oo, n);
                case GELU_BACKWARD -> geluBackward(a, ao, b, bo, out, oo, n);
                case GELU_TANH_BACKWARD -> geluTanhBackward(a, ao, b, bo, out, oo, n);
                case SILU_BACKWARD -> siluBackward(a, ao, b, bo, out, oo, n);
                case SIGMOID_BACKWARD -> sigmoidBackward(a, ao, b, bo, out, oo, n);
                case TANH_BACKWARD -> tanhBackward(a, ao, b, bo, out, oo, n);
                default -> 0;
            };
        } else if (bs == 0 && as == 1) {
            done = switch (op) { // tensor ∘ scalar: the common broadcasts (x * s, x + bias-scalar, x / n)
                case ADD -> addScalar(a, ao, b[bo], out, oo, n);
                case MUL -> mulScalar(a, ao, b[bo], out, oo, n);
                case SUB -> addScalar(a, ao, -b[bo], out, oo, n);
                case DIV -> divScalar(a, ao, b[bo], out, oo, n);
                default -> 0;
            };
        }
        for (int j = done; j < n; j++) out[oo + j] = (float) op.apply(a[ao + j * as], b[bo + j * bs]);
    }

    private static int add(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L)
            FloatVector.fromArray(S, a, ao + i).add(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        return i;
    }

    private static int sub(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L)
            FloatVector.fromArray(S, a, ao + i).sub(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        return i;
    }

    private static int mul(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L)
            FloatVector.fromArray(S, a, ao + i).mul(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        return i;
    }

    private static int div(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L)
            FloatVector.fromArray(S, a, ao + i).div(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        return i;
    }

    private static int max(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L)
            FloatVector.fromArray(S, a, ao + i).max(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        return i;
    }

    private static int min(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L)
            FloatVector.fromArray(S, a, ao + i).min(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        return i;
    }

    private static int addScalar(float[] a, int ao, float s, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) FloatVector.fromArray(S, a, ao + i).add(s).intoArray(out, oo + i);
        return i;
    }

    private static int mulScalar(float[] a, int ao, float s, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) FloatVector.fromArray(S, a, ao + i).mul(s).intoArray(out, oo + i);
        return i;
    }

    private static int divScalar(float[] a, int ao, float s, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) FloatVector.fromArray(S, a, ao + i).div(s).intoArray(out, oo + i);
        return i;
    }

    /** a = x, b = dy: dy where x > 0 (0 also for NaN x, as the reference). */
    private static int reluBackward(float[] x, int xo, float[] g, int go, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector.fromArray(S, g, go + i).blend(0f, v.compare(VectorOperators.GT, 0f).not()).intoArray(out, oo + i);
        }
        return i;
    }

    private static int geluBackward(float[] x, int xo, float[] g, int go, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) {
            // dGELU/dx = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π)
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector cdf = VectorMath.erf(v.mul(VectorMath.SQRT1_2)).add(1f).mul(0.5f);
            FloatVector pdf = VectorMath.exp(v.mul(v).mul(-0.5f)).mul(VectorMath.INV_SQRT_2PI);
            FloatVector.fromArray(S, g, go + i).mul(v.fma(pdf, cdf)).intoArray(out, oo + i);
        }
        return i;
    }

    private static int geluTanhBackward(float[] x, int xo, float[] g, int go, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector x2 = v.mul(v);
            FloatVector t = VectorMath.tanh(x2.mul(0.044715f).add(1f).mul(v).mul(VectorMath.SQRT_2_OVER_PI));
            FloatVector dInner = x2.mul(3 * 0.044715f).add(1f).mul(VectorMath.SQRT_2_OVER_PI);
            FloatVector sech2 = t.mul(t).neg().add(1f);
            FloatVector grad = t.add(1f).mul(0.5f).add(v.mul(0.5f).mul(sech2).mul(dInner));
            FloatVector.fromArray(S, g, go + i).mul(grad).intoArray(out, oo + i);
        }
        return i;
    }

    private static int siluBackward(float[] x, int xo, float[] g, int go, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector s = VectorMath.inv(VectorMath.exp(v.neg()).add(1f));
            FloatVector.fromArray(S, g, go + i).mul(s).mul(v.mul(s.neg().add(1f)).add(1f)).intoArray(out, oo + i);
        }
        return i;
    }

    /** a = y = σ(x), b = dy: dy·y(1 − y). */
    private static int sigmoidBackward(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) {
            FloatVector v = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(v).mul(v.neg().add(1f)).intoArray(out, oo + i);
        }
        return i;
    }

    /** a = y = tanh(x), b = dy: dy·(1 − y²). */
    private static int tanhBackward(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        int i = 0;
        for (; i < S.loopBound(n); i += L) {
            FloatVector v = FloatVector.fromArray(S, y, yo + i);
            FloatVector.fromArray(S, g, go + i).mul(v.mul(v).neg().add(1f)).intoArray(out, oo + i);
        }
        return i;
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
