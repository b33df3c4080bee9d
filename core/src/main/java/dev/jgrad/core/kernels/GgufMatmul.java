package dev.jgrad.core.kernels;

import dev.jgrad.core.io.gguf.GgufBlocks;
import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.core.parallel.Parallel;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Products with a weight {@code W (out, in)} kept in a ggml block type (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K and every
 * other {@link GgufType}), as a GGUF file stores it: row {@code o} is {@code in / blockSize} consecutive blocks.
 *
 * <p>{@link #matmul} ({@code y = x·Wᵀ}) decodes one weight row at a time into a scratch row of {@code in} floats
 * ({@link GgufBlocks}, so the values are bit-exact with ggml's dequantization) while it is hot in L1, and takes
 * its dot product ({@link VectorSgemv#dot}) with every input row: a matrix-vector product for one token, a GEMM
 * for a prompt, each weight row decoded once per call. The weight is never expanded to float32 as a whole.
 * Output rows are split across threads.
 *
 * <p>{@link #inputGradient} ({@code dx = dy·W}, the backward of a frozen layer) splits the {@code in} columns into
 * ranges of whole blocks across threads; each decodes its blocks of every row and accumulates
 * {@code dy[r, o]·W[o, cols]} into its own columns of {@code dx}, so no two threads write the same element.
 */
public final class GgufMatmul {

    private GgufMatmul() {}

    /** {@code y[r, o] = Σ_i x[r, i]·W[o, i]} for {@code x (m, in)} at {@code xOff} and {@code y (m, out)} at {@code yOff}. */
    public static void matmul(GgufType type, MemorySegment w, int out, int in, float[] x, int xOff, int m, float[] y, int yOff) {
        long rowBytes = check(type, w, out, in);
        // about 64k multiply-adds per task
        int grain = Math.max(1, 65_536 / Math.max(1, in * m));
        Parallel.forRange(out, grain, (o0, o1) -> {
            float[] row = new float[in];
            for (int o = o0; o < o1; o++) {
                GgufBlocks.dequantize(type, w, o * rowBytes, row, 0, in);
                for (int r = 0; r < m; r++) y[yOff + r * out + o] = VectorSgemv.dot(row, 0, x, xOff + r * in, in);
            }
        });
    }

    /** {@code dx[r, i] = Σ_o dy[r, o]·W[o, i]} for {@code dy (m, out)} and {@code dx (m, in)} (overwritten). */
    public static void inputGradient(GgufType type, MemorySegment w, int out, int in, float[] dy, int dyOff, int m,
                                     float[] dx, int dxOff) {
        long rowBytes = check(type, w, out, in);
        int bs = type.blockSize(), blocks = in / bs;
        Arrays.fill(dx, dxOff, dxOff + m * in, 0f);
        int grain = Math.max(1, 65_536 / Math.max(1, bs * out * m));
        Parallel.forRange(blocks, grain, (b0, b1) -> {
            int c0 = b0 * bs, n = (b1 - b0) * bs;
            float[] seg = new float[n];
            for (int o = 0; o < out; o++) {
                GgufBlocks.dequantize(type, w, o * rowBytes + (long) b0 * type.typeSize(), seg, 0, n);
                for (int r = 0; r < m; r++) {
                    float g = dy[dyOff + r * out + o];
                    if (g == 0f) continue;
                    int base = dxOff + r * in + c0;
                    for (int k = 0; k < n; k++) dx[base + k] += g * seg[k];
                }
            }
        });
    }

    private static long check(GgufType type, MemorySegment w, int out, int in) {
        long rowBytes = type.byteSize(in);
        if (w.byteSize() != rowBytes * out)
            throw new IllegalArgumentException("a " + type + " weight (" + out + ", " + in + ") has " + rowBytes * out
                    + " bytes, got " + w.byteSize());
        return rowBytes;
    }
}
