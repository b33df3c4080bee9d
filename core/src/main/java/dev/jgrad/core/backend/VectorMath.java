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
 *   <li>erf: Abramowitz–Stegun 7.1.26 (absolute error below 1.5e-7, float32 rounding level).</li>
 * </ul>
 */
final class VectorMath {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private static final float P = 0.3275911f;
    private static final float A1 = 0.254829592f, A2 = -0.284496736f, A3 = 1.421413741f,
            A4 = -1.453152027f, A5 = 1.061405429f;
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

    /** tanh(x): x + x³·P(x²) for |x| < 0.625, else sign(x)·(1 − 2/(e^{2|x|} + 1)). */
    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector z = x.mul(x);
        FloatVector small = z.fma(-5.70498872745E-3f, 2.06390887954E-2f).fma(z, FloatVector.broadcast(S, -5.37397155531E-2f))
                .fma(z, FloatVector.broadcast(S, 1.33314422036E-1f)).fma(z, FloatVector.broadcast(S, -3.33332819422E-1f))
                .mul(z).mul(x).add(x);
        FloatVector e = exp(ax.mul(2f));
        FloatVector large = FloatVector.broadcast(S, 1f).sub(inv(e.add(1f)).mul(2f));
        large = large.blend(large.neg(), x.lt(0f));
        return large.blend(small, ax.lt(0.625f));
    }

    /** Σ lanes in a fixed order (see {@link dev.jgrad.core.kernels.Lanes}). */
    static float sumLanes(FloatVector v) {
        return dev.jgrad.core.kernels.Lanes.sum(v);
    }

    /**
     * erf(z) = sign(z)·(1 − (a₁t + a₂t² + a₃t³ + a₄t⁴ + a₅t⁵)·e^(−z²)), t = 1/(1 + p|z|), given
     * {@code expNegZ2} = e^(−z²) (GELU and its derivative share that exponential).
     */
    static FloatVector erf(FloatVector z, FloatVector expNegZ2) {
        FloatVector t = inv(z.abs().mul(P).add(1f));
        FloatVector poly = t.fma(A5, A4).fma(t, FloatVector.broadcast(S, A3))
                .fma(t, FloatVector.broadcast(S, A2)).fma(t, FloatVector.broadcast(S, A1)).mul(t);
        FloatVector y = poly.mul(expNegZ2).neg().add(1f);
        return y.blend(y.neg(), z.lt(0f));
    }

    /** x·Φ(x) = x/2·(1 + erf(x/√2)), one exponential. */
    static FloatVector gelu(FloatVector x) {
        FloatVector e = exp(x.mul(x).mul(-0.5f));                      // e^(−x²/2) = e^(−z²), z = x/√2
        return x.mul(0.5f).mul(erf(x.mul(SQRT1_2), e).add(1f));
    }

    /** dGELU/dx = Φ(x) + x·φ(x), with φ(x) = e^(−x²/2)/√(2π): the same exponential serves both. */
    static FloatVector geluGrad(FloatVector x) {
        FloatVector e = exp(x.mul(x).mul(-0.5f));
        FloatVector cdf = erf(x.mul(SQRT1_2), e).add(1f).mul(0.5f);
        return x.fma(e.mul(INV_SQRT_2PI), cdf);
    }

    /** x/2·(1 + tanh(√(2/π)(x + 0.044715x³))). */
    static FloatVector geluTanh(FloatVector x) {
        FloatVector inner = x.mul(x).mul(0.044715f).add(1f).mul(x).mul(SQRT_2_OVER_PI);
        return x.mul(0.5f).mul(tanh(inner).add(1f));
    }

    static FloatVector geluTanhGrad(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector inner = x2.mul(0.044715f).add(1f).mul(x).mul(SQRT_2_OVER_PI);
        FloatVector t = tanh(inner);
        FloatVector dInner = x2.mul(3 * 0.044715f).add(1f).mul(SQRT_2_OVER_PI);
        FloatVector sech2 = t.mul(t).neg().add(1f);
        return t.add(1f).mul(0.5f).add(x.mul(0.5f).mul(sech2).mul(dInner));
    }

    /** 1/(1 + e^−x). */
    static FloatVector sigmoid(FloatVector x) {
        return inv(exp(x.neg()).add(1f));
    }
}
