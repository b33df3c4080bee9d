package dev.jgrad.core.kernels;

/**
 * The reference 4-bit products: every weight decoded as {@code codebook[nibble] · absmax[block]}, sums in
 * double. Slow and obviously right; {@link VectorSgemm4bit} is tested against it.
 */
public final class ReferenceSgemm4bit implements Sgemm4bit {

    @Override
    public void matvec(Packed4bit w, float[] x, int xOffset, float[] y, int yOffset) {
        matmul(w, 1, x, xOffset, y, yOffset);
    }

    @Override
    public void matmul(Packed4bit w, int m, float[] x, int xOffset, float[] y, int yOffset) {
        Sgemm4bit.checkBounds(w, m, x, xOffset, true, y, yOffset);
        int out = w.rows(), in = w.cols();
        for (int i = 0; i < m; i++) {
            for (int o = 0; o < out; o++) {
                double sum = 0;
                for (int k = 0; k < in; k++) sum += (double) x[xOffset + i * in + k] * w.get(o, k);
                y[yOffset + i * out + o] = (float) sum;
            }
        }
    }

    @Override
    public void inputGradient(Packed4bit w, int m, float[] gy, int gyOffset, float[] gx, int gxOffset) {
        Sgemm4bit.checkBounds(w, m, gy, gyOffset, false, gx, gxOffset);
        int out = w.rows(), in = w.cols();
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < in; k++) {
                double sum = 0;
                for (int o = 0; o < out; o++) sum += (double) gy[gyOffset + i * out + o] * w.get(o, k);
                gx[gxOffset + i * in + k] = (float) sum;
            }
        }
    }
}
