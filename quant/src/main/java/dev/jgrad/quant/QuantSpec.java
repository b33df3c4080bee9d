package dev.jgrad.quant;

import java.util.Locale;

/**
 * How to quantize a weight to 4 bits: the code book (NF4 or FP4), the block size, and whether the block scales
 * are themselves quantized (double quantization). bitsandbytes calls these {@code bnb_4bit_quant_type},
 * {@code blocksize} and {@code bnb_4bit_use_double_quant} ({@code compress_statistics} in {@code Linear4bit}).
 */
public record QuantSpec(QuantType type, int blocksize, boolean doubleQuant) {

    public QuantSpec {
        if (type == null) throw new IllegalArgumentException("a 4-bit quant type is needed (nf4 or fp4)");
        Blocksizes.require(blocksize);
    }

    /** QLoRA's choice (Dettmers et al. 2023): NF4, blocks of 64, double quantization. */
    public static QuantSpec qlora() {
        return new QuantSpec(QuantType.NF4, Blocksizes.DEFAULT_4BIT, true);
    }

    /** {@code type} by its bitsandbytes name ("nf4", "fp4", any case), or an exception naming the known ones. */
    public static QuantSpec of(String type, int blocksize, boolean doubleQuant) {
        return new QuantSpec(QuantType.fromBnbName(type.toLowerCase(Locale.ROOT)), blocksize, doubleQuant);
    }

    /** Quantizes a float32 weight of {@code shape} (row-major) with this spec. */
    public Quantized4bit quantize(float[] values, long[] shape) {
        return Blockwise4bit.quantize(values, shape, type, blocksize, doubleQuant);
    }

    @Override
    public String toString() {
        return type.bnbName() + ", blocksize " + blocksize + (doubleQuant ? ", double quantization" : "");
    }
}
