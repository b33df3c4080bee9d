package dev.jgrad.core.backend;

import dev.jgrad.core.DType;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;

import java.util.Objects;

/**
 * A frozen 4-bit weight {@code W (outFeatures, inFeatures)} on a device, as the backends' 4-bit products
 * ({@link Backend#matmul4bit}, {@link Backend#matmul4bitInputGradient}) read it: bitsandbytes' layout.
 *
 * <p>Element {@code f = o·in + k} of the row-major flattened weight is the <b>high</b> nibble of byte {@code f/2}
 * of {@code packed} when {@code f} is even, the low nibble when it is odd, and decodes to
 * {@code codebook[nibble] · absmax[f / blocksize]}. Blocks run over the flattened weight, so one may span two rows
 * when {@code in} is not a multiple of the block size.
 *
 * <p>{@code absmax} is float32, one scale per block. A double-quantized weight (QLoRA's 8-bit absmax with a
 * nested scale per 256 blocks) is decoded to float32 once, by whoever builds this record (the 4-bit layer, when it
 * receives its weight), not at every product: it costs 4 bytes per block on the device (0.5 bit per weight at block
 * 64, against 0.127 for the 8-bit form) and saves a decoding pass per forward.
 *
 * <p>The record checks what every backend relies on: {@code packed} is contiguous U8 with exactly
 * {@code ceil(out·in / 2)} elements, {@code absmax} contiguous F32 with exactly {@code ceil(out·in / blocksize)},
 * both on one device; 16 code-book entries; a power-of-two block size.
 *
 * @param packed      the nibbles, U8, any shape
 * @param absmax      the block scales, F32, any shape
 * @param codebook    the 16 values a nibble decodes to (NF4's or FP4's table), held, not copied
 * @param blocksize   elements per block, a power of two (bitsandbytes: 32 … 4096)
 * @param outFeatures rows of W
 * @param inFeatures  columns of W
 */
public record Weight4bit(Tensor packed, Tensor absmax, float[] codebook, int blocksize, int outFeatures, int inFeatures) {

    public Weight4bit {
        Objects.requireNonNull(packed, "packed");
        Objects.requireNonNull(absmax, "absmax");
        Objects.requireNonNull(codebook, "codebook");
        if (codebook.length != 16) throw new IllegalArgumentException("a 4-bit code book has 16 entries, got " + codebook.length);
        if (blocksize < 1 || Integer.bitCount(blocksize) != 1)
            throw new IllegalArgumentException("the 4-bit block size must be a power of two, got " + blocksize);
        if (outFeatures < 0 || inFeatures < 0)
            throw new IllegalArgumentException("negative 4-bit weight shape (" + outFeatures + ", " + inFeatures + ")");
        long n = (long) outFeatures * inFeatures;
        if (n > Integer.MAX_VALUE)
            throw new IllegalArgumentException("a 4-bit weight of " + n + " elements exceeds 2^31 - 1");
        String what = "a 4-bit weight (" + outFeatures + ", " + inFeatures + ")";
        if (packed.dtype() != DType.U8 || !packed.isContiguous() || packed.numel() != (n + 1) / 2)
            throw new IllegalArgumentException(what + " needs " + (n + 1) / 2 + " packed bytes as a contiguous U8 tensor, got "
                    + packed.dtype() + " " + Shape.str(packed.shape()) + (packed.isContiguous() ? "" : " (not contiguous)"));
        long blocks = (n + blocksize - 1) / blocksize;
        if (absmax.dtype() != DType.F32 || !absmax.isContiguous() || absmax.numel() != blocks)
            throw new IllegalArgumentException(what + " in blocks of " + blocksize + " needs " + blocks
                    + " absmax values as a contiguous F32 tensor, got " + absmax.dtype() + " " + Shape.str(absmax.shape())
                    + (absmax.isContiguous() ? "" : " (not contiguous)"));
        if (!packed.device().equals(absmax.device()))
            throw new IllegalArgumentException(what + ": packed is on " + packed.device() + ", absmax on " + absmax.device());
    }

    /** Number of blocks, {@code ceil(out·in / blocksize)}. */
    public int blockCount() {
        return absmax.numel();
    }

    /**
     * Checks the operands of a 4-bit product before any work: {@code input (rows, inCols)} and
     * {@code output (rows, outCols)}, both float32, on this weight's device. Returns {@code rows}.
     */
    public int checkProduct(String op, Tensor input, int inCols, Tensor output, int outCols) {
        Objects.requireNonNull(input, op + ": input");
        Objects.requireNonNull(output, op + ": output");
        if (input.rank() != 2 || input.size(1) != inCols)
            throw new IllegalArgumentException(op + ": input must be (rows, " + inCols + ") for W (" + outFeatures + ", "
                    + inFeatures + "), got " + Shape.str(input.shape()));
        int rows = input.size(0);
        if (output.rank() != 2 || output.size(0) != rows || output.size(1) != outCols)
            throw new IllegalArgumentException(op + ": output must be (" + rows + ", " + outCols + "), got "
                    + Shape.str(output.shape()));
        if (input.dtype() != DType.F32 || output.dtype() != DType.F32)
            throw new IllegalArgumentException(op + ": 4-bit products take float32 operands, got " + input.dtype()
                    + " input and " + output.dtype() + " output");
        if (!input.device().equals(packed.device()) || !output.device().equals(packed.device()))
            throw new IllegalArgumentException(op + ": the input is on " + input.device() + " and the output on "
                    + output.device() + ", the 4-bit weight on " + packed.device());
        return rows;
    }
}
