package dev.jgrad.quant;

import dev.jgrad.core.DType;

import java.util.Arrays;
import java.util.Objects;

/**
 * Everything needed to decode a 4-bit tensor besides its packed nibbles, as bitsandbytes' {@code QuantState}.
 *
 * <p>Element {@code i} of the row-major flattened tensor decodes to {@code codebook[nibble(i)] · absmax[i / blocksize]}.
 * The per-block absmax values are stored either plainly ({@code absmax}, float32) or double-quantized
 * ({@code doubleQuant}); exactly one of the two is non-null.
 *
 * <p>The arrays are held, not copied; equality compares their contents.
 *
 * @param quantType   NF4 or FP4
 * @param blocksize   elements per block
 * @param shape       the original tensor's shape, e.g. {@code (out, in)} for a weight
 * @param dtype       the original tensor's dtype (F32, F16 or BF16), which dequantization restores
 * @param codebook    the 16 values the nibbles decode to (from the file when read, so it is used as stored)
 * @param absmax      per block, float32; null when double-quantized
 * @param doubleQuant the 8-bit-quantized absmax values; null when not double-quantized
 */
public record QuantState(QuantType quantType, int blocksize, long[] shape, DType dtype, float[] codebook,
                         float[] absmax, DoubleQuant doubleQuant) {

    /**
     * Double quantization (QLoRA): the 4-bit absmax values, minus their mean {@code offset}, quantized blockwise
     * to 8 bits (blocks of 256, bitsandbytes' dynamic map). Recovered as
     * {@code code[q] · nestedAbsmax[b / 256] + offset}.
     */
    public record DoubleQuant(float offset, Quantized8bit absmax) {
        public DoubleQuant {
            Objects.requireNonNull(absmax, "absmax");
        }
    }

    public QuantState {
        Objects.requireNonNull(quantType, "quantType");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(codebook, "codebook");
        Blocksizes.require(blocksize);
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("4-bit quantization stores F32, F16 or BF16 tensors, not " + dtype);
        }
        if (codebook.length != 16) throw new IllegalArgumentException("a 4-bit code book has 16 values, got " + codebook.length);
        if ((absmax == null) == (doubleQuant == null)) {
            throw new IllegalArgumentException("exactly one of absmax and doubleQuant must be given");
        }
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        int blocks = Blocksizes.blockCount(n, blocksize);
        int stored = absmax != null ? absmax.length : doubleQuant.absmax().numel();
        if (stored != blocks) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " in blocks of " + blocksize + " has "
                    + blocks + " blocks, but " + stored + " absmax values are given");
        }
    }

    /** Number of elements of the original tensor. */
    public long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Number of blocks, {@code ceil(numel / blocksize)}. */
    public int blockCount() {
        return Blocksizes.blockCount(numel(), blocksize);
    }

    /** Bytes of packed nibbles: two elements per byte, an odd count padded. */
    public long packedLength() {
        return (numel() + 1) / 2;
    }

    public boolean isDoubleQuantized() {
        return doubleQuant != null;
    }

    /** The per-block absmax values as float32: the stored ones, or the double-quantized ones decoded. */
    public float[] blockAbsmax() {
        if (absmax != null) return absmax.clone();
        Quantized8bit q = doubleQuant.absmax();
        float offset = doubleQuant.offset();
        float[] out = new float[q.numel()];
        for (int b = 0; b < out.length; b++) out[b] = q.get(b) + offset;
        return out;
    }

    /**
     * Storage cost per parameter in bits: 4 for the nibble, plus the absmax values spread over their block
     * (32/64 = 0.5 at block 64; with double quantization 8/64 + 32/(64·256) ≈ 0.127), plus the offset. The two
     * constant code books are not counted. bitsandbytes' numbers for block 64: 4.5 and ≈ 4.127.
     */
    public double bitsPerParameter() {
        long n = numel();
        if (n == 0) return 0;
        double bits = 8.0 * packedLength();
        if (absmax != null) {
            bits += 32.0 * absmax.length;
        } else {
            bits += 8.0 * doubleQuant.absmax().numel() + 32.0 * doubleQuant.absmax().absmax().length + 32;
        }
        return bits / n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantState s && quantType == s.quantType && blocksize == s.blocksize
                && Arrays.equals(shape, s.shape) && dtype == s.dtype && Arrays.equals(codebook, s.codebook)
                && Arrays.equals(absmax, s.absmax) && Objects.equals(doubleQuant, s.doubleQuant);
    }

    @Override
    public int hashCode() {
        return Objects.hash(quantType, blocksize, Arrays.hashCode(shape), dtype);
    }

    @Override
    public String toString() {
        return "QuantState[" + quantType.bnbName() + ", blocksize " + blocksize + ", shape " + Arrays.toString(shape)
                + ", " + dtype + (doubleQuant != null ? ", double-quantized (offset " + doubleQuant.offset() + ")" : "") + "]";
    }
}
