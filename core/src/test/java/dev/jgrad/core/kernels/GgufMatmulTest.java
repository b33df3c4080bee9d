package dev.jgrad.core.kernels;

import dev.jgrad.core.io.gguf.GgufBlocks;
import dev.jgrad.core.io.gguf.GgufType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The block-reading products against the definition on the decoded weight, in double precision: {@code y = x·Wᵀ}
 * and {@code dx = dy·W}, for one input row (a decoding step) and several (a prompt), over shapes that split across
 * threads. Each element may differ from the double result by float32 rounding of its sum: {@code 1e-5·Σ|x·w|}.
 */
class GgufMatmulTest {

    /** Random blocks of {@code type}: random bytes, with every F16 scale set to a finite value of moderate size. */
    static byte[] randomWeight(GgufType type, int out, int in, Random r) {
        byte[] b = new byte[Math.toIntExact(type.byteSize((long) out * in))];
        r.nextBytes(b);
        int[] scales = switch (type) {
            case Q8_0, Q4_0 -> new int[] {0};
            case Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            default -> new int[0];
        };
        if (type == GgufType.F16) {
            for (int i = 0; i < b.length; i += 2) put(b, i, Float.floatToFloat16((float) r.nextGaussian()));
        } else if (type == GgufType.F32) {
            for (int i = 0; i < b.length; i += 4) {
                int v = Float.floatToIntBits((float) r.nextGaussian());
                for (int k = 0; k < 4; k++) b[i + k] = (byte) (v >> (8 * k));
            }
        }
        for (int blk = 0; blk < b.length / type.typeSize(); blk++)
            for (int at : scales) put(b, blk * type.typeSize() + at, Float.floatToFloat16((float) (r.nextGaussian() * 0.01)));
        return b;
    }

    private static void put(byte[] b, int i, short v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >> 8);
    }

    @ParameterizedTest
    @EnumSource(value = GgufType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K", "Q3_K", "F16", "F32"})
    void matmulAndInputGradientMatchTheDecodedWeight(GgufType type) {
        Random r = new Random(type.ordinal());
        int out = 67, in = 512;
        byte[] bytes = randomWeight(type, out, in, r);
        MemorySegment w = MemorySegment.ofArray(bytes);
        float[] dense = new float[out * in];
        GgufBlocks.dequantize(type, w, 0, dense, 0, dense.length);
        for (int m : new int[] {1, 5}) {
            float[] x = new float[3 + m * in];          // an offset, to check it is honoured
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            float[] y = new float[2 + m * out];
            GgufMatmul.matmul(type, w, out, in, x, 3, m, y, 2);
            for (int row = 0; row < m; row++)
                for (int o = 0; o < out; o++) {
                    double ref = 0, mag = 0;
                    for (int i = 0; i < in; i++) {
                        ref += (double) x[3 + row * in + i] * dense[o * in + i];
                        mag += Math.abs((double) x[3 + row * in + i] * dense[o * in + i]);
                    }
                    assertEquals(ref, y[2 + row * out + o], 1e-5 * mag + 1e-30, type + " m=" + m + " y[" + row + ", " + o + "]");
                }
            float[] dy = new float[m * out];
            for (int i = 0; i < dy.length; i++) dy[i] = (float) r.nextGaussian();
            float[] dx = new float[m * in];
            java.util.Arrays.fill(dx, Float.NaN);       // overwritten, not accumulated into
            GgufMatmul.inputGradient(type, w, out, in, dy, 0, m, dx, 0);
            for (int row = 0; row < m; row++)
                for (int i = 0; i < in; i++) {
                    double ref = 0, mag = 0;
                    for (int o = 0; o < out; o++) {
                        ref += (double) dy[row * out + o] * dense[o * in + i];
                        mag += Math.abs((double) dy[row * out + o] * dense[o * in + i]);
                    }
                    assertEquals(ref, dx[row * in + i], 1e-5 * mag + 1e-30, type + " m=" + m + " dx[" + row + ", " + i + "]");
                }
        }
    }
}
