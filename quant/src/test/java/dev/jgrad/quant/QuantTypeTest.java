package dev.jgrad.quant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class QuantTypeTest {

    /**
     * Rebuilds NF4 the way bitsandbytes' create_normal_map does: Φ⁻¹ of 9 (positive side) and 8 (negative
     * side) evenly spaced probabilities from δ = 0.9677083 down to 0.5, the last dropped, plus 0, divided by
     * the largest. Φ⁻¹ is Acklam's rational approximation (relative error below 1.2e-9).
     */
    @Test
    void nf4IsTheNormalQuantileCodeBook() {
        double delta = 0.9677083;
        double[] expected = new double[16];
        int k = 0;
        for (int i = 0; i < 7; i++) expected[k++] = -inverseNormal(delta - i * (delta - 0.5) / 7);
        expected[k++] = 0;
        for (int i = 7; i >= 0; i--) expected[k++] = inverseNormal(delta - i * (delta - 0.5) / 8);
        java.util.Arrays.sort(expected);
        double max = expected[15];
        float[] nf4 = QuantType.NF4.codebook();
        for (int i = 0; i < 16; i++) assertEquals(expected[i] / max, nf4[i], 2e-7, "code " + i);
        // Asymmetric with an exact zero: 7 negative codes, 0, 8 positive codes; both ends exactly ±1.
        assertEquals(0f, nf4[7]);
        assertEquals(-1f, nf4[0]);
        assertEquals(1f, nf4[15]);
        assertEquals(7, QuantType.NF4.zeroCode());
    }

    @Test
    void fp4TableIsSignMagnitudeOverTwelve() {
        float[] fp4 = QuantType.FP4.codebook();
        float[] magnitudes = {0f, 0.0625f, 8f, 12f, 4f, 6f, 2f, 3f};
        for (int i = 0; i < 8; i++) {
            assertEquals(magnitudes[i] / 12f, fp4[i]);
            assertEquals(-magnitudes[i] / 12f, fp4[i + 8]);
        }
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(fp4[8]));
    }

    @Test
    void nf4EncodesNearestWithTiesToTheLowerIndex() {
        float[] c = QuantType.NF4.codebook();
        for (int i = 0; i < 16; i++) assertEquals(i, QuantType.NF4.encode(c[i]), "a code encodes to itself");
        // c8/2 is exactly halfway between c7 = 0 and c8; c6/2 between c6 and c7 (halving is exact in float).
        assertEquals(7, QuantType.NF4.encode(c[8] / 2));
        assertEquals(6, QuantType.NF4.encode(c[6] / 2));
        assertEquals(8, QuantType.NF4.encode(Math.nextUp(c[8] / 2)));
        assertEquals(7, QuantType.NF4.encode(Math.nextUp(c[6] / 2))); // one ulp towards zero
        // Hand-computed: 0.5 is 0.0593 from 0.4407 (12) and 0.0626 from 0.5626 (13); -0.25 is nearest -0.2844 (4).
        assertEquals(12, QuantType.NF4.encode(0.5f));
        assertEquals(4, QuantType.NF4.encode(-0.25f));
        assertEquals(7, QuantType.NF4.encode(-0f));
        assertEquals(0, QuantType.NF4.encode(-1f));
    }

    @Test
    void fp4EncodesSignAndNearestMagnitude() {
        // Magnitudes ascending: 0, 1/192, 1/6, 1/4, 1/3, 1/2, 2/3, 1 with codes 0, 1, 6, 7, 4, 5, 2, 3.
        assertEquals(0b0000, QuantType.FP4.encode(0f));
        assertEquals(0b0000, QuantType.FP4.encode(-0f));
        assertEquals(0b0011, QuantType.FP4.encode(1f));
        assertEquals(0b1011, QuantType.FP4.encode(-1f));
        assertEquals(0b0101, QuantType.FP4.encode(0.45f));   // 1/2 is nearer than 1/3
        assertEquals(0b1110, QuantType.FP4.encode(-0.17f));  // -1/6
        assertEquals(0b1000, QuantType.FP4.encode(-1e-4f));  // tiny negative: sign set, magnitude 0 (as CUDA)
        // Exact tie between magnitudes 0 and 1/192 goes to the smaller one.
        float tiny = QuantType.FP4.decode(1) / 2;
        assertEquals(0b0000, QuantType.FP4.encode(tiny));
        assertEquals(0b0001, QuantType.FP4.encode(Math.nextUp(tiny)));
    }

    @Test
    void namesRoundTrip() {
        assertEquals(QuantType.NF4, QuantType.fromBnbName("nf4"));
        assertEquals(QuantType.FP4, QuantType.fromBnbName("fp4"));
        assertThrows(IllegalArgumentException.class, () -> QuantType.fromBnbName("int4"));
    }

    /** Acklam's algorithm for the inverse standard normal CDF. */
    static double inverseNormal(double p) {
        double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
                -3.066479806614716e+01, 2.506628277459239e+00};
        double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                -1.328068155288572e+01};
        double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
                4.374664141464968e+00, 2.938163982698783e+00};
        double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
        double low = 0.02425, high = 1 - low;
        if (p < low) {
            double q = Math.sqrt(-2 * Math.log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > high) return -inverseNormal(1 - p);
        double q = p - 0.5, r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
}
