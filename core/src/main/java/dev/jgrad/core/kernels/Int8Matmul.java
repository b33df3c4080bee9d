package dev.jgrad.core.kernels;

import dev.jgrad.core.io.gguf.GgufType;

import java.util.Objects;

/**
 * {@code Y (m, out) = X (m, in) · Wᵀ} with a Q8_0 or Q4_0 weight and the activations quantized to int8 on the fly,
 * as llama.cpp's {@code ggml_vec_dot_q8_0_q8_0} and {@code ggml_vec_dot_q4_0_q8_0} and llama2.c's {@code runq.c}
 * compute it: the dot products are taken in integers, block by block, and only the block sums are scaled.
 *
 * <p><b>The weight</b> is {@code out} rows of {@code in / 32} ggml blocks, exactly as a GGUF file stores them:
 * <ul>
 *   <li>Q8_0, 34 bytes a block: an f16 scale {@code d} (little-endian), then 32 signed bytes {@code q};
 *       {@code w = d·q};</li>
 *   <li>Q4_0, 18 bytes a block: an f16 scale {@code d}, then 16 bytes; value {@code j < 16} is the low nibble of
 *       byte {@code j}, value {@code j + 16} its high nibble; {@code w = d·(nibble − 8)}.</li>
 * </ul>
 *
 * <p><b>The activations</b> are quantized per block of 32 as Q8_0 ({@link #quantizeActivations}): {@code amax =
 * max|x|}, {@code d = amax/127}, {@code q = roundf(x/d)} (halves away from zero), so {@code q ∈ [−127, 127]}. ggml
 * stores that {@code d} as f16; here it stays float32 (runq.c does the same), which never overflows and loses
 * nothing.
 *
 * <p>Then, for every output, {@code y[i, o] = Σ_b d_w[o, b] · d_x[i, b] · Σ_{j<32} q_w[o, b, j] · q_x[i, b, j]}: the
 * inner sum is exact in 32-bit integers (|q_w·q_x| ≤ 16384, 32 terms), the outer one in floating point.
 *
 * <p>{@link ReferenceInt8Matmul} computes that formula element by element, outer sum in double (the oracle);
 * {@link VectorInt8Matmul} runs widening byte multiply-adds on the Vector API across threads. Both take the same
 * arguments: {@code x (m, in)} from {@code xOff}, {@code y (m, out)} from {@code yOff} (overwritten). {@code m = 1} is
 * the matrix-vector product of decoding; larger {@code m} is prompt processing.
 */
public interface Int8Matmul {

    /** Values per block, for both weight types and the activations. */
    int BLOCK = 32;

    /** {@code y[i, o] = Σ_k X[i, k]·W[o, k]} as described above. */
    void matmul(GgufType type, byte[] w, int out, int in, float[] x, int xOff, int m, float[] y, int yOff);

    /**
     * Quantizes {@code n} values of {@code x} from {@code xOff} (a multiple of 32 of them) to Q8_0: {@code q[qOff + k]}
     * and one scale per block, {@code d[dOff + k/32]}. An all-zero block gets {@code d = 0} and zero quants.
     */
    static void quantizeActivations(float[] x, int xOff, int n, byte[] q, int qOff, float[] d, int dOff) {
        for (int b = 0; b < n / BLOCK; b++) {
            int at = xOff + b * BLOCK;
            float amax = 0;
            for (int j = 0; j < BLOCK; j++) amax = Math.max(amax, Math.abs(x[at + j]));
            float scale = amax / 127f;
            float inverse = scale != 0 ? 1f / scale : 0f;
            d[dOff + b] = scale;
            for (int j = 0; j < BLOCK; j++) {
                double v = x[at + j] * inverse; // roundf: to nearest, halves away from zero; |v| ≤ 127 (+ rounding)
                q[qOff + b * BLOCK + j] = (byte) Math.max(-127, Math.min(127, Math.copySign(Math.floor(Math.abs(v) + 0.5), v)));
            }
        }
    }

    /** The f16 scale at the start of the block at {@code at}. */
    static float scale(byte[] w, int at) {
        return Float.float16ToFloat((short) ((w[at] & 0xFF) | (w[at + 1] << 8)));
    }

    /** Checks the type, the shapes and the array lengths, naming what is wrong; returns the bytes per weight row. */
    static int check(GgufType type, byte[] w, int out, int in, float[] x, int xOff, int m, float[] y, int yOff) {
        Objects.requireNonNull(w, "w");
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (type != GgufType.Q8_0 && type != GgufType.Q4_0)
            throw new IllegalArgumentException("int8 products take Q8_0 or Q4_0 weights, not " + type);
        if (out < 0 || in < 0 || m < 0) throw new IllegalArgumentException("negative size: out=" + out + ", in=" + in + ", m=" + m);
        if (in % BLOCK != 0)
            throw new IllegalArgumentException("rows of " + in + " values are not whole " + type + " blocks of " + BLOCK);
        long rowBytes = type.byteSize(in);
        if (w.length != rowBytes * out)
            throw new IllegalArgumentException("a " + type + " weight (" + out + ", " + in + ") has " + rowBytes * out
                    + " bytes, got " + w.length);
        Objects.checkFromIndexSize(xOff, Math.multiplyExact(m, in), x.length);
        Objects.checkFromIndexSize(yOff, Math.multiplyExact(m, out), y.length);
        return (int) rowBytes;
    }
}
