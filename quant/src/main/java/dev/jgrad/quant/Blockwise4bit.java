package dev.jgrad.quant;

import dev.jgrad.core.DType;
import dev.jgrad.core.parallel.Parallel;

import java.util.Arrays;

/**
 * Blockwise 4-bit quantization (NF4 or FP4) with optional double quantization, as bitsandbytes'
 * {@code quantize_4bit} / {@code dequantize_4bit}.
 *
 * <p><b>Quantize.</b> The row-major flattened tensor is cut into blocks of {@code blocksize} elements (the
 * last may be shorter). Per block, in float32:
 * <ol>
 *   <li>{@code absmax} = the largest |x| in the block;</li>
 *   <li>each element is scaled by the reciprocal, {@code s = x · (1/absmax)}, clamped to [-1, 1];</li>
 *   <li>{@code s} is stored as the nibble of the nearest code ({@link QuantType#encode}); an all-zero block
 *       (absmax 0) is stored as the code of 0.0;</li>
 *   <li>two nibbles per byte, the even-indexed element in the high nibble, an odd count padded with the
 *       code of 0.0.</li>
 * </ol>
 *
 * <p><b>Double quantization</b> (QLoRA) shrinks the absmax values themselves: they are all positive and
 * similar, so subtract their mean (the {@code offset}, kept in float32) to centre them on zero, then quantize
 * the result blockwise to 8 bits with bitsandbytes' signed dynamic map in blocks of 256
 * ({@link Blockwise8bit}). The absmax cost falls from 32/64 = 0.5 to 8/64 + 32/(64·256) ≈ 0.127 bits per
 * parameter. Note the nibbles are chosen with the exact absmax; dequantization uses the recovered one.
 *
 * <p><b>Dequantize.</b> {@code x = codebook[nibble] · absmax[block]} in float32, with absmax recovered as
 * {@code dynamicMap[q] · nestedAbsmax[b / 256] + offset} when double-quantized.
 *
 * <p>The offset is the mean computed as a double-precision sum in block order divided by the block count,
 * rounded to float32 (bitsandbytes takes a float32 {@code torch.mean}, which may differ in the last bit).
 */
public final class Blockwise4bit {

    private Blockwise4bit() {}

    /** Quantizes a float32 tensor with bitsandbytes' defaults otherwise: see {@link #quantize(float[], long[], DType, QuantType, int, boolean)}. */
    public static Quantized4bit quantize(float[] data, long[] shape, QuantType type, int blocksize, boolean doubleQuant) {
        return quantize(data, shape, DType.F32, type, blocksize, doubleQuant);
    }

    /**
     * Quantizes {@code data} (row-major, {@code shape}) to 4 bits.
     *
     * @param dtype the dtype the tensor had (recorded so dequantization can restore it); data is float32 here
     */
    public static Quantized4bit quantize(float[] data, long[] shape, DType dtype, QuantType type, int blocksize,
                                         boolean doubleQuant) {
        Blocksizes.require(blocksize);
        long numel = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            numel = Math.multiplyExact(numel, d);
        }
        if (numel != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + numel
                    + " elements but the data has " + data.length);
        }
        requireFinite(data);
        int n = data.length;
        int blocks = Blocksizes.blockCount(n, blocksize);
        float[] absmax = new float[blocks];
        byte[] packed = new byte[(n + 1) / 2];
        int zero = type.zeroCode();

        // Blocks start at even elements (block sizes are even), so each block owns whole bytes.
        Parallel.forRange(blocks, Math.max(1, 16384 / blocksize), (from, to) -> {
            for (int b = from; b < to; b++) {
                int start = b * blocksize, end = Math.min(n, start + blocksize);
                float max = 0f;
                for (int i = start; i < end; i++) max = Math.max(max, Math.abs(data[i]));
                absmax[b] = max;
                float inverse = max == 0f ? 0f : 1f / max; // an all-zero block scales to 0 -> the zero code
                for (int i = start; i < end; i += 2) {
                    int hi = type.encode(Math.min(1f, Math.max(-1f, data[i] * inverse)));
                    int lo = i + 1 < end ? type.encode(Math.min(1f, Math.max(-1f, data[i + 1] * inverse))) : zero;
                    packed[i >>> 1] = (byte) (hi << 4 | lo);
                }
            }
        });

        QuantState state;
        if (doubleQuant) {
            float offset = nestedOffset(absmax);
            float[] centred = new float[blocks];
            for (int b = 0; b < blocks; b++) centred[b] = absmax[b] - offset;
            Quantized8bit nested = Blockwise8bit.quantize(centred, Blocksizes.NESTED);
            state = new QuantState(type, blocksize, shape.clone(), dtype, type.codebook(), null,
                    new QuantState.DoubleQuant(offset, nested));
        } else {
            state = new QuantState(type, blocksize, shape.clone(), dtype, type.codebook(), absmax, null);
        }
        return new Quantized4bit(packed, state);
    }

    /** The double-quantization offset: the mean of the block absmax values, summed in double in block order. */
    static float nestedOffset(float[] absmax) {
        double sum = 0;
        for (float a : absmax) sum += a;
        return absmax.length == 0 ? 0f : (float) (sum / absmax.length);
    }

    /** The absmax of each block of {@code data} (what quantization scales by), in float32. */
    static float[] blockAbsmax(float[] data, int blocksize) {
        int n = data.length, blocks = Blocksizes.blockCount(n, blocksize);
        float[] absmax = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            float max = 0f;
            for (int i = b * blocksize, end = Math.min(n, i + blocksize); i < end; i++) max = Math.max(max, Math.abs(data[i]));
            absmax[b] = max;
        }
        return absmax;
    }

    /** All elements decoded to float32: {@code codebook[nibble] · absmax[block]}. */
    public static float[] dequantize(Quantized4bit q) {
        int n = q.numel();
        float[] out = new float[n];
        float[] code = q.state().codebook();
        float[] absmax = q.blockAbsmax();
        byte[] packed = q.packed();
        int bs = q.state().blocksize();
        Parallel.forRange(Blocksizes.blockCount(n, bs), Math.max(1, 16384 / bs), (from, to) -> {
            for (int b = from; b < to; b++) {
                float scale = absmax[b];
                for (int i = b * bs, end = Math.min(n, i + bs); i < end; i++) {
                    int byteValue = packed[i >>> 1];
                    int nibble = (i & 1) == 0 ? (byteValue >>> 4) & 0xf : byteValue & 0xf;
                    out[i] = code[nibble] * scale;
                }
            }
        });
        return out;
    }

    /** Rejects NaN and infinities, naming the first bad element (they would poison a whole block). */
    static void requireFinite(float[] data) {
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new IllegalArgumentException("element " + i + " is " + data[i] + "; quantization needs finite values");
            }
        }
    }
}
