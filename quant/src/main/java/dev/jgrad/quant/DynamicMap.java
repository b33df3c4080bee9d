package dev.jgrad.quant;

/**
 * bitsandbytes' signed 8-bit "dynamic" code book ({@code create_dynamic_map(signed=True)}), used to
 * quantize optimizer states and, in double quantization, the absmax values of 4-bit weights.
 *
 * <p>It is a floating-point-like format whose exponent is "dynamic" (Dettmers 2016, 8-bit approximations
 * for parallelism): one sign, then a run of zeros whose length is the decimal exponent, then a fraction
 * that gets whatever bits are left. Small exponents (values near 1) keep many fraction bits; tiny values
 * keep few. Concretely, for decimal exponents {@code e = 0..6} the fraction range [0.1, 1] is split into
 * {@code 2^e} equal bins and each bin's midpoint, scaled by {@code 10^(e-6)}, becomes a code, with both
 * signs: {@code 2·(1 + 2 + … + 64) = 254} values spanning about 5.5e-7 to 0.99296875 in magnitude. Adding
 * 0 and 1 gives 256; sorted ascending, index 127 is 0, index 0 is −0.99296875 and index 255 is 1.
 *
 * <p>The values here are computed in double precision and rounded once to float32. bitsandbytes computes
 * them with float32 {@code torch.linspace}, whose result depends on the CPU's vector width; the two
 * agree to within one float32 ulp (measured: 90 of 256 entries differ by one ulp on an AVX2 build of
 * torch 1.13). A file always carries the map it was quantized with ({@code nested_quant_map}), and
 * dequantization uses that, so files from either side read exactly.
 */
public final class DynamicMap {

    private static final float[] SIGNED = build();

    private DynamicMap() {}

    /** A copy of the 256-entry signed dynamic map, ascending. */
    public static float[] signed() {
        return SIGNED.clone();
    }

    private static float[] build() {
        double[] scales = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0};
        float[] values = new float[256];
        int k = 0;
        for (int e = 0; e < 7; e++) {
            int bins = 1 << e;
            for (int b = 0; b < bins; b++) {
                double lo = 0.1 + 0.9 * b / bins;
                double hi = 0.1 + 0.9 * (b + 1) / bins;
                double mean = scales[e] * ((lo + hi) / 2);
                values[k++] = (float) mean;
                values[k++] = (float) -mean;
            }
        }
        values[k++] = 0f;
        values[k] = 1f;
        java.util.Arrays.sort(values);
        return values;
    }
}
