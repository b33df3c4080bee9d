package dev.jgrad.quant;

import dev.jgrad.core.parallel.Parallel;

/**
 * Blockwise 8-bit quantization with a code book, as bitsandbytes' {@code quantize_blockwise}.
 *
 * <p>The flattened tensor is cut into blocks of {@code blocksize} elements (the last may be shorter). For each
 * block: {@code absmax} = the largest |x| (float32); every element is scaled by the float32 reciprocal,
 * {@code s = x · (1/absmax)}, clamped to [-1, 1], and stored as the index of the nearest code-book value
 * (float32 distance, a tie to the lower index). A block that is all zero has absmax 0 and is stored as the
 * code of 0.0. Decoding is {@code code[q] · absmax}.
 *
 * <p>Blocks confine an outlier's damage to its own block, and a per-block absmax costs only
 * {@code 32 / blocksize} bits per element.
 */
public final class Blockwise8bit {

    private Blockwise8bit() {}

    /** Quantizes {@code data} with bitsandbytes' signed dynamic map. */
    public static Quantized8bit quantize(float[] data, int blocksize) {
        return quantize(data, blocksize, DynamicMap.signed());
    }

    /** Quantizes {@code data} with the ascending 256-entry code book {@code code}. */
    public static Quantized8bit quantize(float[] data, int blocksize, float[] code) {
        Blocksizes.require(blocksize);
        if (code.length != 256) throw new IllegalArgumentException("an 8-bit code book has 256 values, got " + code.length);
        for (int i = 1; i < 256; i++) {
            if (!(code[i - 1] <= code[i])) throw new IllegalArgumentException("the code book must be ascending (index " + i + ")");
        }
        Blockwise4bit.requireFinite(data);
        int n = data.length;
        int blocks = Blocksizes.blockCount(n, blocksize);
        byte[] codes = new byte[n];
        float[] absmax = new float[blocks];
        byte zero = (byte) QuantType.nearestSorted(code, 0f);
        Parallel.forRange(blocks, Math.max(1, 16384 / blocksize), (from, to) -> {
            for (int b = from; b < to; b++) {
                int start = b * blocksize, end = Math.min(n, start + blocksize);
                float max = 0f;
                for (int i = start; i < end; i++) max = Math.max(max, Math.abs(data[i]));
                absmax[b] = max;
                if (max == 0f) {
                    java.util.Arrays.fill(codes, start, end, zero);
                    continue;
                }
                float inverse = 1f / max;
                for (int i = start; i < end; i++) {
                    float s = Math.min(1f, Math.max(-1f, data[i] * inverse));
                    codes[i] = (byte) QuantType.nearestSorted(code, s);
                }
            }
        });
        return new Quantized8bit(codes, absmax, blocksize, code);
    }
}
