package dev.jgrad.core.kernels;

import java.util.Objects;

/**
 * A 4-bit weight {@code W (rows, cols)} as the array-level 4-bit kernels ({@link Sgemm4bit}) read it, in
 * bitsandbytes' layout.
 *
 * <p>Element {@code f = o·cols + k} of the row-major flattened weight is nibble {@code f} of {@code packed}:
 * the <b>high</b> nibble of byte {@code f/2} when {@code f} is even, the low nibble when it is odd. It decodes to
 * {@code codebook[nibble] · absmax[f / blocksize]}: the blocks run over the flattened weight, so a block may span
 * two rows when {@code cols} is not a multiple of the block size. The 16-entry code book is NF4's or FP4's (or
 * whatever a file stored); {@code absmax} holds one float32 scale per block (a double-quantized weight's scales
 * are decoded to float32 before they reach a kernel).
 *
 * <p>The arrays are held, not copied; the record checks that they are long enough and that the block size is a
 * power of two (bitsandbytes' 32 … 4096; the kernels find a block with a shift).
 *
 * @param packed    {@code ceil(rows·cols / 2)} bytes (or more)
 * @param absmax    {@code ceil(rows·cols / blocksize)} scales (or more)
 * @param codebook  16 floats
 * @param blocksize elements per block, a power of two
 * @param rows      output features
 * @param cols      input features
 */
public record Packed4bit(byte[] packed, float[] absmax, float[] codebook, int blocksize, int rows, int cols) {

    public Packed4bit {
        Objects.requireNonNull(packed, "packed");
        Objects.requireNonNull(absmax, "absmax");
        Objects.requireNonNull(codebook, "codebook");
        if (codebook.length != 16) throw new IllegalArgumentException("a 4-bit code book has 16 entries, got " + codebook.length);
        if (blocksize < 1 || Integer.bitCount(blocksize) != 1)
            throw new IllegalArgumentException("the block size must be a power of two, got " + blocksize);
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative weight shape (" + rows + ", " + cols + ")");
        long n = (long) rows * cols;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("a 4-bit weight of " + n + " elements exceeds 2^31 - 1");
        if (packed.length < (n + 1) / 2)
            throw new IllegalArgumentException("a 4-bit weight (" + rows + ", " + cols + ") packs into " + (n + 1) / 2
                    + " bytes, got " + packed.length);
        long blocks = (n + blocksize - 1) / blocksize;
        if (absmax.length < blocks)
            throw new IllegalArgumentException("a 4-bit weight (" + rows + ", " + cols + ") in blocks of " + blocksize
                    + " needs " + blocks + " absmax values, got " + absmax.length);
    }

    /** The nibble of flattened element {@code f}: the high half of byte {@code f/2} for even {@code f}. */
    public int nibble(long f) {
        int b = packed[(int) (f >>> 1)];
        return (f & 1) == 0 ? (b >>> 4) & 0xf : b & 0xf;
    }

    /** Flattened element {@code f}, decoded: {@code codebook[nibble(f)] · absmax[f / blocksize]}. */
    public float get(long f) {
        return codebook[nibble(f)] * absmax[(int) (f / blocksize)];
    }

    /** Element {@code (o, k)} of W, decoded. */
    public float get(int o, int k) {
        return get((long) o * cols + k);
    }
}
