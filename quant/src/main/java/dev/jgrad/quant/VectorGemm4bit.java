package dev.jgrad.quant;

import dev.jgrad.core.kernels.VectorSgemm4bit;

/**
 * The fast 4-bit products on a {@link Quantized4bit}: core's {@link VectorSgemm4bit} (the weight decoded in vector
 * registers, FMA tiles, split over threads; its Javadoc states the algorithm), which the backends' 4-bit products
 * also run. This class keeps quant's array-level API.
 */
public final class VectorGemm4bit implements Gemm4bit {

    private final VectorSgemm4bit kernel = new VectorSgemm4bit();

    /** Float lanes per vector in use. */
    public static int lanes() {
        return VectorSgemm4bit.lanes();
    }

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
