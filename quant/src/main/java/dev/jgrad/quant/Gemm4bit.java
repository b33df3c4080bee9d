package dev.jgrad.quant;

import dev.jgrad.core.kernels.Sgemm4bit;

/**
 * Products with a 4-bit weight {@code W (out, in)} that decode the weight on the fly: the three products a
 * linear layer {@code y = x·Wᵀ} needs.
 *
 * <ul>
 *   <li>{@link #matvec}: {@code y (out) = W · x (in)}, one token (decoding);</li>
 *   <li>{@link #matmul}: {@code Y (m, out) = X (m, in) · Wᵀ}, many tokens (prompt processing, training forward);</li>
 *   <li>{@link #inputGradient}: {@code GX (m, in) = GY (m, out) · W}, the backward pass to the input. (A frozen
 *       4-bit weight, as in QLoRA, needs no weight gradient.)</li>
 * </ul>
 *
 * <p>Element {@code (o, k)} of W is {@code codebook[nibble(o·in + k)] · absmax[(o·in + k) / blocksize]}: the
 * blocks run over the row-major flattened weight, so a block may span two rows when {@code in} is not a
 * multiple of the block size. Arrays are dense row-major; outputs are overwritten. Implementations never
 * build a float copy of the whole weight.
 *
 * <p>{@link ReferenceGemm4bit} decodes element by element and sums in double (the oracle);
 * {@link VectorGemm4bit} decodes 2·lanes weights at a time in vector registers and runs FMA tiles. Both run core's
 * array kernels ({@link Sgemm4bit}), which the backends' tensor-level 4-bit products
 * ({@code Backend.matmul4bit}) use too.
 */
public interface Gemm4bit {

    /** {@code y[yOffset + o] = Σ_k W[o, k] · x[xOffset + k]}. */
    void matvec(Quantized4bit w, float[] x, int xOffset, float[] y, int yOffset);

    /** {@code Y[i, o] = Σ_k X[i, k] · W[o, k]} for X {@code (m, in)} at {@code xOffset}, Y {@code (m, out)} at {@code yOffset}. */
    void matmul(Quantized4bit w, int m, float[] x, int xOffset, float[] y, int yOffset);

    /** {@code GX[i, k] = Σ_o GY[i, o] · W[o, k]} for GY {@code (m, out)}, GX {@code (m, in)}. */
    void inputGradient(Quantized4bit w, int m, float[] gy, int gyOffset, float[] gx, int gxOffset);

    /** Checks that the arrays hold the operands, naming the one that is short. */
    static void checkBounds(Quantized4bit w, int m, float[] in, int inOffset, boolean inIsX, float[] out, int outOffset) {
        Sgemm4bit.checkBounds(w.kernelOperand(), m, in, inOffset, inIsX, out, outOffset);
    }
}
