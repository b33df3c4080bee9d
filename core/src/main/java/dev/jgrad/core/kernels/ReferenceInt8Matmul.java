package dev.jgrad.core.kernels;

import dev.jgrad.core.io.gguf.GgufType;

/**
 * The reference int8 product: {@link Int8Matmul}'s formula one element at a time, each block's integer sum scaled
 * and added in double. Slow and obviously right; {@link VectorInt8Matmul} is tested against it.
 */
public final class ReferenceInt8Matmul implements Int8Matmul {

    @Override
    public void matmul(GgufType type, byte[] w, int out, int in, float[] x, int xOff, int m, float[] y, int yOff) {
        int rowBytes = Int8Matmul.check(type, w, out, in, x, xOff, m, y, yOff);
        int blocks = in / BLOCK, blockBytes = (int) type.typeSize();
        byte[] q = new byte[m * in];                 // (m, in) activation quants
        float[] d = new float[m * blocks];           // (m, in/32) activation scales
        Int8Matmul.quantizeActivations(x, xOff, m * in, q, 0, d, 0);
        for (int i = 0; i < m; i++) {
            for (int o = 0; o < out; o++) {
                double sum = 0;
                for (int b = 0; b < blocks; b++) {
                    int at = o * rowBytes + b * blockBytes, xq = i * in + b * BLOCK;
                    int sumi = 0;
                    for (int j = 0; j < BLOCK; j++) sumi += weightQuant(type, w, at, j) * q[xq + j];
                    sum += (double) sumi * Int8Matmul.scale(w, at) * d[i * blocks + b];
                }
                y[yOff + i * out + o] = (float) sum;
            }
        }
    }

    /** The integer quant of value {@code j} of the block at {@code at}: a signed byte (Q8_0) or a nibble − 8 (Q4_0). */
    static int weightQuant(GgufType type, byte[] w, int at, int j) {
        if (type == GgufType.Q8_0) return w[at + 2 + j];
        int b = w[at + 2 + (j & 15)] & 0xFF;
        return (j < 16 ? b & 15 : b >>> 4) - 8;
    }
}
