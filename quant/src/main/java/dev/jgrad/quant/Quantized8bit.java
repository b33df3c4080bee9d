package dev.jgrad.quant;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor quantized blockwise to 8 bits: {@code codes[i]} indexes the 256-entry code book {@code code}, and
 * element {@code i} decodes to {@code code[codes[i] & 0xFF] · absmax[i / blocksize]}.
 *
 * <p>The arrays are held, not copied; equality compares their contents.
 *
 * @param codes     one byte per element
 * @param absmax    per block, the largest |value| of the block (float32)
 * @param blocksize elements per block (the last block may be shorter)
 * @param code      the code book, 256 values in [-1, 1]
 */
public record Quantized8bit(byte[] codes, float[] absmax, int blocksize, float[] code) {

    public Quantized8bit {
        Objects.requireNonNull(codes, "codes");
        Objects.requireNonNull(absmax, "absmax");
        Objects.requireNonNull(code, "code");
        Blocksizes.require(blocksize);
        if (code.length != 256) throw new IllegalArgumentException("an 8-bit code book has 256 values, got " + code.length);
        int blocks = Blocksizes.blockCount(codes.length, blocksize);
        if (absmax.length != blocks) {
            throw new IllegalArgumentException(codes.length + " codes in blocks of " + blocksize + " need " + blocks
                    + " absmax values, got " + absmax.length);
        }
    }

    /** Number of elements. */
    public int numel() {
        return codes.length;
    }

    /** Element {@code i}, decoded. */
    public float get(int i) {
        return code[codes[i] & 0xff] * absmax[i / blocksize];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Quantized8bit q && blocksize == q.blocksize && Arrays.equals(codes, q.codes)
                && Arrays.equals(absmax, q.absmax) && Arrays.equals(code, q.code);
    }

    @Override
    public int hashCode() {
        return Objects.hash(blocksize, Arrays.hashCode(codes), Arrays.hashCode(absmax));
    }

    @Override
    public String toString() {
        return "Quantized8bit[" + codes.length + " elements, blocksize " + blocksize + "]";
    }

    /** All elements, decoded. */
    public float[] dequantize() {
        float[] out = new float[codes.length];
        for (int i = 0; i < out.length; i++) out[i] = get(i);
        return out;
    }
}
