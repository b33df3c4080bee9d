package dev.jgrad.core.kernels;

import java.util.Objects;

/**
 * Products with a 4-bit weight {@code W (out, in)} ({@link Packed4bit}) that decode the weight on the fly, on
 * float32 arrays: the three products a linear layer {@code y = x·Wᵀ} with a frozen 4-bit weight needs.
 *
 * <ul>
 *   <li>{@link #matvec}: {@code y (out) = W · x (in)}, one token (decoding);</li>
 *   <li>{@link #matmul}: {@code Y (m, out) = X (m, in) · Wᵀ}, many tokens (prompt processing, training forward);</li>
 *   <li>{@link #inputGradient}: {@code GX (m, in) = GY (m, out) · W}, the backward pass to the input. (A frozen
 *       4-bit weight, as in QLoRA, needs no weight gradient.)</li>
 * </ul>
 *
 * <p>Arrays are dense row-major from their offsets; outputs are overwritten, never accumulated into.
 * Implementations never build a float copy of the whole weight.
 *
 * <p>{@link ReferenceSgemm4bit} decodes element by element and sums in double (the oracle);
 * {@link VectorSgemm4bit} decodes 2·lanes weights at a time in vector registers and runs FMA tiles.
 */
public interface Sgemm4bit {

    /** {@code y[yOffset + o] = Σ_k W[o, k] · x[xOffset + k]}. */
    void matvec(Packed4bit w, float[] x, int xOffset, float[] y, int yOffset);

    /** {@code Y[i, o] = Σ_k X[i, k] · W[o, k]} for X {@code (m, in)} at {@code xOffset}, Y {@code (m, out)} at {@code yOffset}. */
    void matmul(Packed4bit w, int m, float[] x, int xOffset, float[] y, int yOffset);

    /** {@code GX[i, k] = Σ_o GY[i, o] · W[o, k]} for GY {@code (m, out)}, GX {@code (m, in)}. */
    void inputGradient(Packed4bit w, int m, float[] gy, int gyOffset, float[] gx, int gxOffset);

    /**
     * Checks that the arrays hold the operands, naming the one that is short: {@code in} is X {@code (m, cols)}
     * when {@code inIsX}, else GY {@code (m, rows)}; {@code out} is the other side.
     */
    static void checkBounds(Packed4bit w, int m, float[] in, int inOffset, boolean inIsX, float[] out, int outOffset) {
        Objects.requireNonNull(in, "input");
        Objects.requireNonNull(out, "output");
        if (m < 0) throw new IllegalArgumentException("m = " + m);
        int rows = w.rows(), cols = w.cols();
        long inLength = (long) m * (inIsX ? cols : rows), outLength = (long) m * (inIsX ? rows : cols);
        if (inOffset < 0 || inOffset + inLength > in.length) {
            throw new IndexOutOfBoundsException("input needs " + inLength + " floats at offset " + inOffset + " for m=" + m
                    + " and W (" + rows + ", " + cols + "), but has " + in.length);
        }
        if (outOffset < 0 || outOffset + outLength > out.length) {
            throw new IndexOutOfBoundsException("output needs " + outLength + " floats at offset " + outOffset + " for m=" + m
                    + " and W (" + rows + ", " + cols + "), but has " + out.length);
        }
    }
}
