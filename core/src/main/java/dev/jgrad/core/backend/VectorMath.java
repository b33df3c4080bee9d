package dev.jgrad.core.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 special functions on whole vectors, built only from add, multiply, FMA and bit manipulation.
 *
 * <p>Why not the Vector API's own {@code lanewise(EXP)}: the JIT maps it to a SIMD math library while the
 * interpreter computes it lane by lane with {@code Math.exp}, and the two round differently — the same
 * program would give different bits before and after compilation, breaking bit-exact resumption of training.
 * Plain IEEE arithmetic rounds identically everywhere. For the same reason lane sums use {@link #sumLanes}, a
 * fixed left-to-right order, never {@code reduceLanes(ADD)}, whose order is unspecified.
 *
 * <ul>
 *   <li>exp: Cody–Waite range reduction {@code x = n·ln2 + r} and a degree-6 polynomial for {@code e^r}
 *       (Cephes expf, about 1 ulp), scaled by {@code 2^n} through the exponent bits;</li>
 *   <li>tanh: an odd polynomial near 0 (Cephes tanhf), {@code 1 − 2/(e^{2x} + 1)} elsewhere;</li>
 *   <li>erf: a ratio of two short polynomials on [−4, 4] (absolute error below 5e-7).</li>
 * </ul>
 *
 * <p>Only these leaf functions live here. Composite formulas (GELU, SiLU, their derivatives) are written out in
 * the loops that use them ({@link VectorElementwise}): the JIT keeps vectors in registers only when everything
 * inlines into the loop, and a helper that calls helpers risks being compiled on its own first, after which it is
 * "too big" to inline and every vector it handles is boxed.
 */
final class VectorMath {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    static final float SQRT1_2 = (float) MathFunctions.SQRT1_2;
    static final float INV_SQRT_2PI = (float) MathFunctions.INV_SQRT_2PI;
    static final float SQRT_2_OVER_PI = (float) MathFunctions.SQRT_2_OVER_PI;

    private VectorMath() {}

    static FloatVector inv(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(x);
    }

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND_MAGIC = 12582912f; // 1.5·2^23: adding and subtracting rounds to an integer
    private static final float EXP_MAX = 88.3762626647949f, EXP_MIN = -87.3365447504f;

    /** e^x for every lane: +∞ above ~88.38, 0 below ~−87.34 (no subnormal results), NaN stays NaN. */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector n = xc.mul(LOG2E).add(ROUND_MAGIC).sub(ROUND_MAGIC);
        FloatVector r = xc.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector p = r.fma(1.9875691500E-4f, 1.3981999507E-3f).fma(r, FloatVector.broadcast(S, 8.3334519073E-3f))
                .fma(r, FloatVector.broadcast(S, 4.1665795894E-2f)).fma(r, FloatVector.broadcast(S, 1.6666665459E-1f))
                .fma(r, FloatVector.broadcast(S, 5.0000001201E-1f));
        FloatVector er = p.mul(r.mul(r)).add(r).add(1f);
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        FloatVector scaled = er.mul(bits.reinterpretAsFloats());
        scaled = scaled.blend(0f, x.compare(VectorOperators.LT, EXP_MIN));
        scaled = scaled.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_MAX));
        return scaled.blend(x, x.compare(VectorOperators.NE, x)); // NaN is the only value unequal to itself
    }

    // Rational approximation of erf on [−4, 4] (beyond, erf is ±1 in float32): x·P(x²)/Q(x²), the
    // coefficients of Eigen's and XLA's float erf; absolute error below 5e-7.
    private static final float E_A1 = -1.60960333262415e-02f, E_A3 = -2.95459980854025e-03f,
            E_A5 = -7.34990630326855e-04f, E_A7 = -5.69250639462346e-05f, E_A9 = -2.10102402082508e-06f,
            E_A11 = 2.77068142495902e-08f, E_A13 = -2.72614225801306e-10f;
    private static final float E_B0 = -1.42647390514189e-02f, E_B2 = -7.37332916720468e-03f,
            E_B4 = -1.68282697438203e-03f, E_B6 = -2.13374055278905e-04f, E_B8 = -1.45660718464996e-05f;

    /** erf(x) for every lane, as a ratio of polynomials (no exponential). */
    static FloatVector erf(FloatVector x) {
        FloatVector c = x.max(-4f).min(4f);
        FloatVector x2 = c.mul(c);
        FloatVector p = x2.fma(E_A13, E_A11).fma(x2, FloatVector.broadcast(S, E_A9)).fma(x2, FloatVector.broadcast(S, E_A7))
                .fma(x2, FloatVector.broadcast(S, E_A5)).fma(x2, FloatVector.broadcast(S, E_A3))
                .fma(x2, FloatVector.broadcast(S, E_A1)).mul(c);
        FloatVector q = x2.fma(E_B8, E_B6).fma(x2, FloatVector.broadcast(S, E_B4)).fma(x2, FloatVector.broadcast(S, E_B2))
                .fma(x2, FloatVector.broadcast(S, E_B0));
        return p.div(q);
    }

    /**
     * tanh(x): x + x³·P(x²) for |x| < 0.625 (Cephes tanhf), else sign(x)·(1 − 2/(e^{2|x|} + 1)).
     */
    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector z = x.mul(x);
        FloatVector small = z.fma(-5.70498872745E-3f, 2.06390887954E-2f).fma(z, FloatVector.broadcast(S, -5.37397155531E-2f))
                .fma(z, FloatVector.broadcast(S, 1.33314422036E-1f)).fma(z, FloatVector.broadcast(S, -3.33332819422E-1f))
                .mul(z).mul(x).add(x);
        FloatVector large = FloatVector.broadcast(S, 1f).sub(inv(exp(ax.mul(2f)).add(1f)).mul(2f));
        large = large.blend(large.neg(), x.lt(0f));
        return large.blend(small, ax.lt(0.625f));
    }

    /** Σ lanes in a fixed order (see {@link dev.jgrad.core.kernels.Lanes}). */
    static float sumLanes(FloatVector v) {
        return dev.jgrad.core.kernels.Lanes.sum(v);
    }
}
