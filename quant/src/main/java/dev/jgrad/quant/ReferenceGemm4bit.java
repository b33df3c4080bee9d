package dev.jgrad.quant;

/**
 * The reference 4-bit products: every weight decoded as {@code codebook[nibble] · absmax[block]}, sums in
 * double. Slow and obviously right; {@link VectorGemm4bit} is tested against it.
 */
public final class ReferenceGemm4bit implements Gemm4bit {

    @Override
    public void matvec(Quantized4bit w, float[] x, int xOffset, float[] y, int yOffset) {
        matmul(w, 1, x, xOffset, y, yOffset);
    }

    @Override
    public void matmul(Quantized4bit w, int m, float[] x, int xOffset, float[] y, int yOffset) {
        Gemm4bit.checkBounds(w, m, x, xOffset, true, y, yOffset);
        int out = w.rows(), in = w.cols();
        for (int i = 0; i < m; i++) {
            for (int o = 0; o < out; o++) {
                double sum = 0;
                for (int k = 0; k < in; k++) sum += (double) x[xOffset + i * in + k] * weight(w, o, k, in);
                y[yOffset + i * out + o] = (float) sum;
            }
        }
    }

    @Override
    public void inputGradient(Quantized4bit w, int m, float[] gy, int gyOffset, float[] gx, int gxOffset) {
        Gemm4bit.checkBounds(w, m, gy, gyOffset, false, gx, gxOffset);
        int out = w.rows(), in = w.cols();
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < in; k++) {
                double sum = 0;
                for (int o = 0; o < out; o++) sum += (double) gy[gyOffset + i * out + o] * weight(w, o, k, in);
                gx[gxOffset + i * in + k] = (float) sum;
            }
        }
    }

    private static float weight(Quantized4bit w, int o, int k, int in) {
        return w.get((long) o * in + k);
    }
}
