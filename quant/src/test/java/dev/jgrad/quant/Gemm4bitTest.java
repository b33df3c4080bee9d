package dev.jgrad.quant;

import dev.jgrad.core.Generator;
import dev.jgrad.core.kernels.ReferenceSgemm;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fused 4-bit kernels against dequantize-then-{@link ReferenceSgemm}, and {@link VectorGemm4bit} against
 * {@link ReferenceGemm4bit}, on odd sizes. Shapes with {@code in} a multiple of 2·lanes take the in-register
 * decoder; the others take the row-buffer path. (Surefire runs this class twice: at the preferred vector
 * width and with {@code -XX:MaxVectorSize=32}, 8 lanes.) The kernels themselves live in core ({@code Sgemm4bitTest});
 * this checks quant's API over them, with weights from quant's own quantizer, double quantization included.
 */
class Gemm4bitTest {

    private static final int[] OUTS = {1, 7, 17, 64};
    private static final int[] INS = {1, 7, 15, 17, 32, 64, 96, 1023, 1024};
    private static final int[] MS = {1, 2, 5, 17};

    private final Gemm4bit reference = new ReferenceGemm4bit();
    private final Gemm4bit vector = new VectorGemm4bit();

    @Test
    void reportsLanes() {
        System.out.println("VectorGemm4bit lanes: " + VectorGemm4bit.lanes());
        assertTrue(dev.jgrad.core.kernels.VectorSgemm4bit.decodesInRegisters(), "this machine's vectors should take the in-register path");
    }

    @Test
    void bothAgreeWithDequantizeThenSgemm() {
        Generator g = new Generator(1);
        ReferenceSgemm sgemm = new ReferenceSgemm();
        for (int out : new int[] {1, 7, 17}) {
            for (int in : new int[] {1, 15, 17, 64, 96, 1023}) {
                Quantized4bit w = weight(g, out, in, QuantType.NF4, 32, true);
                float[] wd = Blockwise4bit.dequantize(w);
                for (int m : new int[] {1, 5}) {
                    float[] x = random(g, m * in), gy = random(g, m * out);
                    float[] yExpected = new float[m * out], gxExpected = new float[m * in];
                    sgemm.sgemm(false, true, m, out, in, 1f, x, 0, in, wd, 0, in, 0f, yExpected, 0, out);
                    sgemm.sgemm(false, false, m, in, out, 1f, gy, 0, out, wd, 0, in, 0f, gxExpected, 0, in);
                    for (Gemm4bit kernel : new Gemm4bit[] {reference, vector}) {
                        String label = kernel.getClass().getSimpleName() + " " + out + "x" + in + " m=" + m;
                        float[] y = new float[m * out], gx = new float[m * in];
                        kernel.matmul(w, m, x, 0, y, 0);
                        kernel.inputGradient(w, m, gy, 0, gx, 0);
                        // ReferenceSgemm sums in double too; the vector kernels in float32 (|sum| of up to ~1023
                        // products of size ~3 each).
                        float tolerance = kernel == reference ? 1e-5f : 2e-3f;
                        assertArrayEquals(yExpected, y, tolerance, label + " matmul");
                        assertArrayEquals(gxExpected, gx, tolerance, label + " inputGradient");
                    }
                }
            }
        }
    }

    @Test
    void vectorMatchesReferenceOnOddSizes() {
        Generator g = new Generator(2);
        int cases = 0;
        for (int out : OUTS) {
            for (int in : INS) {
                for (int bs : new int[] {32, 64, 256}) {
                    QuantType type = (out + in + bs) % 2 == 0 ? QuantType.NF4 : QuantType.FP4;
                    boolean dq = (in / 7 + bs) % 3 == 0;
                    Quantized4bit w = weight(g, out, in, type, bs, dq);
                    for (int m : MS) {
                        check(w, m, g, out + "x" + in + " bs" + bs + " " + type + (dq ? " dq" : "") + " m=" + m);
                        cases++;
                    }
                }
            }
        }
        assertEquals(OUTS.length * INS.length * 3 * MS.length, cases);
    }

    @Test
    void vectorMatchesReferenceOnALargerAlignedWeight() {
        Generator g = new Generator(3);
        Quantized4bit w = weight(g, 131, 2048, QuantType.NF4, 64, true); // 131 rows: panels end mid-tile
        check(w, 1, g, "131x2048 m=1");
        check(w, 9, g, "131x2048 m=9");
    }

    @Test
    void offsetsAndBoundsAreHonoured() {
        Generator g = new Generator(4);
        Quantized4bit w = weight(g, 9, 64, QuantType.NF4, 64, false);
        float[] x = random(g, 3 + 2 * 64);
        float[] y = new float[5 + 2 * 9 + 1];
        Arrays.fill(y, 42f);
        vector.matmul(w, 2, x, 3, y, 5);
        float[] yRef = new float[2 * 9];
        reference.matmul(w, 2, Arrays.copyOfRange(x, 3, x.length), 0, yRef, 0);
        assertArrayEquals(yRef, Arrays.copyOfRange(y, 5, 5 + 18), 1e-4f);
        assertEquals(42f, y[4]);
        assertEquals(42f, y[23]);
        assertThrows(IndexOutOfBoundsException.class, () -> vector.matmul(w, 3, x, 3, y, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> vector.inputGradient(w, 2, new float[17], 0, new float[128], 0));
        Quantized4bit vectorWeight = Blockwise4bit.quantize(new float[64], new long[] {64}, QuantType.NF4, 64, false);
        assertThrows(IllegalArgumentException.class, () -> vector.matvec(vectorWeight, new float[64], 0, new float[64], 0));
    }

    private void check(Quantized4bit w, int m, Generator g, String label) {
        int out = w.rows(), in = w.cols();
        float[] x = random(g, m * in), gy = random(g, m * out);
        float[] absW = Blockwise4bit.dequantize(w);
        for (int i = 0; i < absW.length; i++) absW[i] = Math.abs(absW[i]);

        float[] yRef = new float[m * out], yVec = new float[m * out];
        reference.matmul(w, m, x, 0, yRef, 0);
        vector.matmul(w, m, x, 0, yVec, 0);
        for (int i = 0; i < m; i++) {
            for (int o = 0; o < out; o++) {
                double scale = 0;
                for (int k = 0; k < in; k++) scale += Math.abs(x[i * in + k]) * absW[o * in + k];
                assertEquals(yRef[i * out + o], yVec[i * out + o], 2e-6 * scale + 1e-30, label + " matmul (" + i + ", " + o + ")");
            }
        }
        if (m == 1) {
            float[] yMv = new float[out];
            vector.matvec(w, x, 0, yMv, 0);
            assertArrayEquals(yVec, yMv, label + " matvec equals matmul with m=1");
        }

        float[] gxRef = new float[m * in], gxVec = new float[m * in];
        Arrays.fill(gxVec, Float.NaN); // outputs are overwritten, not accumulated
        reference.inputGradient(w, m, gy, 0, gxRef, 0);
        vector.inputGradient(w, m, gy, 0, gxVec, 0);
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < in; k++) {
                double scale = 0;
                for (int o = 0; o < out; o++) scale += Math.abs(gy[i * out + o]) * absW[o * in + k];
                assertEquals(gxRef[i * in + k], gxVec[i * in + k], 2e-6 * scale + 1e-30, label + " inputGradient (" + i + ", " + k + ")");
            }
        }
    }

    static Quantized4bit weight(Generator g, int out, int in, QuantType type, int bs, boolean dq) {
        float[] w = random(g, out * in);
        if (out > 2) Arrays.fill(w, in, 2 * in, 0f); // a zero row
        return Blockwise4bit.quantize(w, new long[] {out, in}, type, bs, dq);
    }

    static float[] random(Generator g, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) g.nextGaussian();
        return v;
    }
}
