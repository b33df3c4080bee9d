package dev.jgrad.core.kernels;

import dev.jgrad.core.io.gguf.GgufBlocks;
import dev.jgrad.core.io.gguf.GgufQuantizer;
import dev.jgrad.core.io.gguf.GgufType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The int8 products against an oracle written here from the definition: the weight decoded by
 * {@link GgufBlocks} (ggml's dequantization, tested against gguf-py), the activations quantized by this test's own
 * Q8_0 code, and {@code Σ w·x̂} summed in double. {@link ReferenceInt8Matmul} (a double sum of the same terms)
 * must agree to {@code 1e-12·Σ|w·x̂|}; {@link VectorInt8Matmul} (float accumulators, one rounding per block and a
 * lane reduction) to the float32 summation bound {@code (blocks + 16)·2⁻²³·Σ|w·x̂|}. With unit scales and integer
 * activations of amax 127 every term is an exact integer and both kernels must be exact.
 */
class Int8MatmulTest {

    private static final Int8Matmul REFERENCE = new ReferenceInt8Matmul(), VECTOR = new VectorInt8Matmul();

    /** Random blocks: random quant bytes, f16 scales drawn from {@code scales}. */
    static byte[] weight(GgufType type, int out, int in, Random r, float... scales) {
        byte[] b = new byte[Math.toIntExact(type.byteSize((long) out * in))];
        r.nextBytes(b);
        int size = (int) type.typeSize();
        for (int at = 0; at < b.length; at += size) {
            short h = Float.floatToFloat16(scales[r.nextInt(scales.length)]);
            b[at] = (byte) h;
            b[at + 1] = (byte) (h >> 8);
        }
        return b;
    }

    /** The test's own Q8_0 activation quantization, dequantized: {@code d·roundf(x/d)}, {@code d = amax/127}. */
    static double[] quantizedActivations(float[] x, int n) {
        double[] xq = new double[n];
        for (int b = 0; b < n; b += 32) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b + j]));
            float d = amax / 127f, id = d == 0 ? 0 : 1f / d;
            for (int j = 0; j < 32; j++) xq[b + j] = (double) d * Math.round(Math.abs(x[b + j] * id)) * Math.signum(x[b + j]);
        }
        return xq;
    }

    /** Checks both kernels against the oracle for {@code y = x·Wᵀ}. */
    static void check(GgufType type, byte[] w, int out, int in, float[] x, int m) {
        float[] wf = new float[out * in];
        GgufBlocks.dequantize(type, MemorySegment.ofArray(w), 0, wf, 0, wf.length);
        double[] xq = quantizedActivations(x, m * in);
        float[] yRef = new float[m * out + 3], yVec = new float[m * out + 3];
        REFERENCE.matmul(type, w, out, in, x, 0, m, yRef, 3);
        VECTOR.matmul(type, w, out, in, x, 0, m, yVec, 3);
        for (int i = 0; i < m; i++) {
            for (int o = 0; o < out; o++) {
                double sum = 0, abs = 0;
                for (int k = 0; k < in; k++) {
                    double t = (double) wf[o * in + k] * xq[i * in + k];
                    sum += t;
                    abs += Math.abs(t);
                }
                String at = type + " out=" + out + " in=" + in + " m=" + m + " [" + i + ", " + o + "]";
                assertEquals(sum, yRef[3 + i * out + o], 1e-12 * abs + Math.ulp((float) sum), "reference " + at);
                assertEquals(sum, yVec[3 + i * out + o], (in / 32 + 16) * 0x1p-23 * abs + Math.ulp((float) sum), "vector " + at);
            }
        }
    }

    static float[] gaussian(int n, Random r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0"})
    void randomShapesOddRowCountsAndBatchSizes(GgufType type) {
        Random r = new Random(1);
        for (int out : new int[] {1, 7, 13, 64})
            for (int in : new int[] {32, 96, 160, 512})
                for (int m : new int[] {1, 3, 4, 5, 9})
                    check(type, weight(type, out, in, r, 0.01f, 0.5f, 3f), out, in, gaussian(m * in, r), m);
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0"})
    void allZeroBlocksOfWeightsAndActivations(GgufType type) {
        Random r = new Random(2);
        int out = 5, in = 128, m = 6;
        byte[] w = weight(type, out, in, r, 0.25f);
        int size = (int) type.typeSize();
        for (int blk = 0; blk < w.length / size; blk += 3) {          // every third block: zero scale
            w[blk * size] = 0;
            w[blk * size + 1] = 0;
        }
        float[] x = gaussian(m * in, r);
        for (int i = 0; i < m; i++) java.util.Arrays.fill(x, i * in + 32, i * in + 64, 0f);  // the second block of every row
        java.util.Arrays.fill(x, 2 * in, 3 * in, 0f);                  // a whole zero row
        check(type, w, out, in, x, m);
        float[] y = new float[m * out];
        VECTOR.matmul(type, w, out, in, x, 0, m, y, 0);
        for (int o = 0; o < out; o++) assertEquals(0f, y[2 * out + o], "a zero activation row gives zero");
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0"})
    void extremeQuantsAndScales(GgufType type) {
        Random r = new Random(3);
        int out = 9, in = 96, m = 5;
        // scales from the smallest f16 subnormal to the largest finite f16
        byte[] w = weight(type, out, in, r, 0x1p-24f, 6.1e-5f, 1f, 65504f);
        if (type == GgufType.Q8_0) {                                   // quants at the ends of int8: 127 and -128
            for (int blk = 0; blk < w.length / 34; blk++)
                for (int j = 0; j < 32; j++) w[blk * 34 + 2 + j] = (byte) ((blk + j) % 3 == 0 ? 127 : (blk + j) % 3 == 1 ? -128 : w[blk * 34 + 2 + j]);
        } else {                                                       // nibbles 0 and 15: values -8 and 7
            for (int blk = 0; blk < w.length / 18; blk++)
                for (int j = 0; j < 16; j++) w[blk * 18 + 2 + j] = (byte) ((blk + j) % 2 == 0 ? 0xF0 : 0x0F);
        }
        float[] x = gaussian(m * in, r);
        float[] magnitudes = {1e29f, 1e-30f, 1f, 3e-38f, 1e10f};      // one per block, huge and tiny
        for (int b = 0; b < m * in / 32; b++)
            for (int j = 0; j < 32; j++) x[b * 32 + j] *= magnitudes[b % magnitudes.length];
        check(type, w, out, in, x, m);
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0"})
    void unitScalesAndIntegerActivationsAreExact(GgufType type) {
        Random r = new Random(4);
        int out = 11, in = 64, m = 7;
        byte[] w = weight(type, out, in, r, 1f);
        float[] x = new float[m * in];
        for (int i = 0; i < x.length; i++) x[i] = r.nextInt(255) - 127;
        for (int b = 0; b < x.length; b += 32) x[b] = 127;              // amax 127: d = 1, quants = x
        float[] yRef = new float[m * out], yVec = new float[m * out];
        REFERENCE.matmul(type, w, out, in, x, 0, m, yRef, 0);
        VECTOR.matmul(type, w, out, in, x, 0, m, yVec, 0);
        float[] wf = new float[out * in];
        GgufBlocks.dequantize(type, MemorySegment.ofArray(w), 0, wf, 0, wf.length);
        float[] expected = new float[m * out];
        for (int i = 0; i < m; i++)
            for (int o = 0; o < out; o++) {
                long s = 0;
                for (int k = 0; k < in; k++) s += (long) wf[o * in + k] * (long) x[i * in + k];
                expected[i * out + o] = s;
            }
        assertArrayEquals(expected, yRef);
        assertArrayEquals(expected, yVec);
    }

    @Test
    void activationQuantsAreGgmlsQ8_0() {
        Random r = new Random(5);
        float[] x = gaussian(256, r);
        for (int i = 0; i < 32; i++) x[64 + i] = (i - 16) * 0.5f;      // exact halves: roundf's ties
        java.util.Arrays.fill(x, 128, 160, 0f);
        byte[] q = new byte[256];
        float[] d = new float[8];
        Int8Matmul.quantizeActivations(x, 0, 256, q, 0, d, 0);
        byte[] ggml = new byte[8 * 34];
        GgufQuantizer.quantize(GgufType.Q8_0, x, 0, 256, ggml, 0);
        for (int b = 0; b < 8; b++) {
            short h = (short) ((ggml[b * 34] & 0xFF) | (ggml[b * 34 + 1] << 8));
            assertEquals(h, Float.floatToFloat16(d[b]), "block " + b + ": the scale");
            for (int j = 0; j < 32; j++) assertEquals(ggml[b * 34 + 2 + j], q[b * 32 + j], "block " + b + ", value " + j);
        }
    }

    @Test
    void badInputIsNamed() {
        float[] x = new float[48], y = new float[2];
        var e = assertThrows(IllegalArgumentException.class, () -> VECTOR.matmul(GgufType.Q8_0, new byte[2 * 34], 2, 48, x, 0, 1, y, 0));
        assertTrue(e.getMessage().contains("not whole Q8_0 blocks of 32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VECTOR.matmul(GgufType.F32, new byte[2 * 4 * 32], 2, 32, x, 0, 1, y, 0));
        assertTrue(e.getMessage().contains("Q8_0 or Q4_0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> REFERENCE.matmul(GgufType.Q4_0, new byte[17], 1, 32, x, 0, 1, y, 0));
        assertTrue(e.getMessage().contains("has 18 bytes, got 17"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> VECTOR.matmul(GgufType.Q4_0, new byte[18 * 3], 3, 32, x, 0, 1, y, 0));
    }
}
