package dev.jgrad.quant;

import dev.jgrad.core.kernels.ReferenceSgemm4bit;

/**
 * The reference 4-bit products on a {@link Quantized4bit}: core's {@link ReferenceSgemm4bit}, every weight decoded
 * as {@code codebook[nibble] · absmax[block]}, sums in double. Slow and obviously right; {@link VectorGemm4bit} is
 * tested against it.
 */
public final class ReferenceGemm4bit implements Gemm4bit {

    private final ReferenceSgemm4bit kernel = new ReferenceSgemm4bit();

    @Override
    public void matvec(Quantized4bit w, float[] x, int xOffset, float[] y, int yOffset) {
        kernel.matvec(w.kernelOperand(), x, xOffset, y, yOffset);
    }

    @Override
    public void matmul(Quantized4bit w, int m, float[] x, int xOffset, float[] y, int yOffset) {
        kernel.matmul(w.kernelOperand(), m, x, xOffset, y, yOffset);
    }

    @Override
    public void inputGradient(Quantized4bit w, int m, float[] gy, int gyOffset, float[] gx, int gxOffset) {
        kernel.inputGradient(w.kernelOperand(), m, gy, gyOffset, gx, gxOffset);
    }
}
