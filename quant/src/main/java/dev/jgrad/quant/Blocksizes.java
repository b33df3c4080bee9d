package dev.jgrad.quant;

import java.util.Arrays;

/** The block sizes bitsandbytes' blockwise quantization accepts: powers of two from 32 to 4096. */
public final class Blocksizes {

    /** The default block size for 4-bit weights (bitsandbytes' and Hugging Face's). */
    public static final int DEFAULT_4BIT = 64;
    /** The block size for the 8-bit quantization of 4-bit absmax values (double quantization). */
    public static final int NESTED = 256;

    private static final int[] VALID = {32, 64, 128, 256, 512, 1024, 2048, 4096};

    private Blocksizes() {}

    /** A copy of the valid sizes, ascending. */
    public static int[] valid() {
        return VALID.clone();
    }

    /** Returns {@code blocksize}, or throws naming the valid choices. */
    public static int require(int blocksize) {
        if (Arrays.binarySearch(VALID, blocksize) < 0) {
            throw new IllegalArgumentException("block size " + blocksize + " is not supported (valid: "
                    + Arrays.toString(VALID) + ")");
        }
        return blocksize;
    }

    /** Number of blocks covering {@code n} elements: {@code ceil(n / blocksize)}. */
    public static int blockCount(long n, int blocksize) {
        long blocks = (n + blocksize - 1) / blocksize;
        if (blocks > Integer.MAX_VALUE) throw new IllegalArgumentException(n + " elements need too many blocks");
        return (int) blocks;
    }
}
