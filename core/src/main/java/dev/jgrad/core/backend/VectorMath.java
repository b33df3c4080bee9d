package dev.jgrad.core.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 special functions on whole vectors. The exponential, logarithm and tanh come from the Vector API
 * (the JIT maps them to SIMD math routines); erf, which it lacks, is the Abramowitz–Stegun 7.1.26
 * approximation (absolute error below 1.5e-7, at the level of float32 rounding).
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

    static FloatVector exp(FloatVector x) {
        return x.lanewise(VectorOperators.EXP);
    }

    /** erf(x) = sign(x)·(1 − (a₁t + a₂t² + a₃t³ + a₄t⁴ + a₅t⁵)·e^(−x²)), t = 1/(1 + p|x|). */
    static FloatVector erf(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector t = inv(ax.mul(P).add(1f));
        FloatVector poly = t.fma(A5, A4).fma(t, FloatVector.broadcast(S, A3))
                .fma(t, FloatVector.broadcast(S, A2)).fma(t, FloatVector.broadcast(S, A1)).mul(t);
        FloatVector e = exp(ax.mul(ax).neg());
        FloatVector y = poly.mul(e).neg().add(1f);
        return y.blend(y.neg(), x.lt(0f));
    }

    /** x·Φ(x). */
    static FloatVector gelu(FloatVector x) {
        return x.mul(0.5f).mul(erf(x.mul(SQRT1_2)).add(1f));
    }

    /** dGELU/dx = Φ(x) + x·φ(x). */
    static FloatVector geluGrad(FloatVector x) {
        FloatVector cdf = erf(x.mul(SQRT1_2)).add(1f).mul(0.5f);
        FloatVector pdf = exp(x.mul(x).mul(-0.5f)).mul(INV_SQRT_2PI);
        return x.fma(pdf, cdf);
    }

    /** x/2·(1 + tanh(√(2/π)(x + 0.044715x³))). */
    static FloatVector geluTanh(FloatVector x) {
        FloatVector inner = x.mul(x).mul(0.044715f).add(1f).mul(x).mul(SQRT_2_OVER_PI);
        return x.mul(0.5f).mul(inner.lanewise(VectorOperators.TANH).add(1f));
    }

    static FloatVector geluTanhGrad(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector inner = x2.mul(0.044715f).add(1f).mul(x).mul(SQRT_2_OVER_PI);
        FloatVector t = inner.lanewise(VectorOperators.TANH);
        FloatVector dInner = x2.mul(3 * 0.044715f).add(1f).mul(SQRT_2_OVER_PI);
        FloatVector sech2 = t.mul(t).neg().add(1f);
        return t.add(1f).mul(0.5f).add(x.mul(0.5f).mul(sech2).mul(dInner));
    }

    /** 1/(1 + e^−x). */
    static FloatVector sigmoid(FloatVector x) {
        return inv(exp(x.neg()).add(1f));
    }
}
