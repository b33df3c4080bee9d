package dev.jgrad.transformer;

import dev.jgrad.core.Tensor;
import dev.jgrad.core.ops.RopeStyle;

import java.util.List;

/**
 * LLaMA 3.1's RoPE frequency remapping ({@code rope_scaling} of {@code rope_type "llama3"} in Hugging Face's
 * {@code config.json}; Meta's {@code apply_scaling}), which stretches a model trained on
 * {@code originalMaxPositions} tokens to {@code factor} times as many.
 *
 * <p>Pair {@code i} of a head of width {@code D} turns with the angular frequency {@code f = θ^(−2i/D)}, a wavelength
 * of {@code λ = 2π/f} positions. With {@code λ_high = originalMaxPositions / highFreqFactor} and
 * {@code λ_low = originalMaxPositions / lowFreqFactor}:
 * <pre>
 *   λ &lt; λ_high            f' = f                          fast pairs (local order) are kept
 *   λ &gt; λ_low             f' = f / factor                 slow pairs are slowed down by the factor
 *   otherwise              f' = (1 − s)·f/factor + s·f     with s = (originalMaxPositions/λ − lowFreqFactor)
 *                                                              / (highFreqFactor − lowFreqFactor)
 * </pre>
 * (the blend runs from {@code f/factor} at {@code λ_low} to {@code f} at {@code λ_high}). Only the frequencies change;
 * the rotation is RoPE's as before.
 *
 * @param factor               how much longer the new context is (8 for LLaMA 3.1, 32 for LLaMA 3.2)
 * @param lowFreqFactor        sets {@code λ_low} (1 in LLaMA 3.1/3.2)
 * @param highFreqFactor       sets {@code λ_high} (4 in LLaMA 3.1/3.2); greater than lowFreqFactor
 * @param originalMaxPositions the context the model was first trained on (8192)
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {

    public RopeScaling {
        if (!(factor >= 1) || Double.isInfinite(factor))
            throw new IllegalArgumentException("rope_scaling: factor must be >= 1 and finite, got " + factor);
        if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || Double.isInfinite(highFreqFactor))
            throw new IllegalArgumentException("rope_scaling: need 0 < low_freq_factor < high_freq_factor, got "
                    + lowFreqFactor + " and " + highFreqFactor);
        if (originalMaxPositions <= 0)
            throw new IllegalArgumentException("rope_scaling: original_max_position_embeddings must be positive, got "
                    + originalMaxPositions);
    }

    /** The remapped angular frequencies {@code f'_i} of the {@code D/2} pairs, in double precision. */
    public double[] inverseFrequencies(double theta, int headDim) {
        double lowWavelen = originalMaxPositions / lowFreqFactor, highWavelen = originalMaxPositions / highFreqFactor;
        double[] out = new double[headDim / 2];
        for (int i = 0; i < out.length; i++) {
            double f = 1.0 / StrictMath.pow(theta, 2.0 * i / headDim), wavelen = 2 * Math.PI / f;
            if (wavelen < highWavelen) out[i] = f;
            else if (wavelen > lowWavelen) out[i] = f / factor;
            else {
                double s = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                out[i] = (1 - s) * f / factor + s * f;
            }
        }
        return out;
    }

    /**
     * RoPE with the remapped frequencies on {@code x (B, H, T, D)} at positions {@code start .. start + T − 1}, as
     * tensor operations (autograd gives the backward, the inverse rotation): with {@code (x1, x2)} the pairs of
     * {@code style},
     * <pre>
     *   (x1, x2) → (x1·cos − x2·sin, x2·cos + x1·sin),   angle pos · f'_i, formed in double precision
     * </pre>
     */
    public Tensor apply(Tensor x, int start, double theta, RopeStyle style) {
        int b = x.size(0), h = x.size(1), t = x.size(2), d = x.size(3), half = d / 2;
        double[] freq = inverseFrequencies(theta, d), cos = new double[t * half], sin = new double[t * half];
        for (int p = 0; p < t; p++)
            for (int i = 0; i < half; i++) {
                double angle = (double) (start + p) * freq[i];
                cos[p * half + i] = StrictMath.cos(angle);
                sin[p * half + i] = StrictMath.sin(angle);
            }
        Tensor c = Tensor.of(cos, t, half).to(x.dtype()).to(x.device());   // (T, D/2), broadcast over B and H
        Tensor s = Tensor.of(sin, t, half).to(x.dtype()).to(x.device());
        if (style == RopeStyle.HALF) {                                      // pairs (i, i + D/2)
            Tensor x1 = x.narrow(3, 0, half), x2 = x.narrow(3, half, half);
            return Tensor.cat(List.of(x1.mul(c).sub(x2.mul(s)), x2.mul(c).add(x1.mul(s))), 3);
        }
        Tensor pairs = x.reshape(b, h, t, half, 2);                         // pairs (2i, 2i + 1)
        Tensor x1 = pairs.select(4, 0), x2 = pairs.select(4, 1);
        return Tensor.stack(List.of(x1.mul(c).sub(x2.mul(s)), x2.mul(c).add(x1.mul(s))), 4).reshape(b, h, t, d);
    }
}
