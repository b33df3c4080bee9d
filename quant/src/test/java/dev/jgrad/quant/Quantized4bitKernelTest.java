package dev.jgrad.quant;

import dev.jgrad.core.Generator;
import dev.jgrad.core.kernels.Packed4bit;
import dev.jgrad.core.kernels.ReferenceSgemm;
import dev.jgrad.core.kernels.ReferenceSgemm4bit;
import dev.jgrad.core.kernels.Sgemm4bit;
import dev.jgrad.core.kernels.VectorSgemm4bit;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Weights from quant's own quantizer, through {@link Quantized4bit#kernelOperand()}, give core's fused 4-bit
 * kernels the same products as {@link Blockwise4bit#dequantize} followed by {@link ReferenceSgemm}: NF4 and FP4,
 * with and without double quantization, on odd sizes. The kernels themselves (odd sizes, both decode paths, 8 and
 * 16 lanes, offsets and bounds) are tested in core's {@code Sgemm4bitTest}.
 */
class Quantized4bitKernelTest {

    @Test
    void kernelsOnTheOperandAgreeWithDequantizeThenSgemm() {
        Generator g = new Generator(1);
        ReferenceSgemm sgemm = new ReferenceSgemm();
        Sgemm4bit reference = new ReferenceSgemm4bit(), vector = new VectorSgemm4bit();
        for (QuantType type : QuantType.values()) {
            for (boolean dq : new boolean[] {false, true}) {
                for (int out : new int[] {1, 7, 17}) {
                    for (int in : new int[] {1, 15, 17, 64, 96, 1023}) {
                        Quantized4bit w = weight(g, out, in, type, 32, dq);
                        Packed4bit operand = w.kernelOperand();
                        float[] wd = Blockwise4bit.dequantize(w);
                        for (int m : new int[] {1, 5}) {
                            float[] x = random(g, m * in), gy = random(g, m * out);
                            float[] yExpected = new float[m * out], gxExpected = new float[m * in];
                            sgemm.sgemm(false, true, m, out, in, 1f, x, 0, in, wd, 0, in, 0f, yExpected, 0, out);
                            sgemm.sgemm(false, false, m, in, out, 1f, gy, 0, out, wd, 0, in, 0f, gxExpected, 0, in);
                            for (Sgemm4bit kernel : new Sgemm4bit[] {reference, vector}) {
                                String label = kernel.getClass().getSimpleName() + " " + type + (dq ? "+DQ " : " ")
                                        + out + "x" + in + " m=" + m;
                                float[] y = new float[m * out], gx = new float[m * in];
                                kernel.matmul(operand, m, x, 0, y, 0);
                                kernel.inputGradient(operand, m, gy, 0, gx, 0);
                                // ReferenceSgemm sums in double too; the vector kernels in float32 (|sum| of up to
                                // ~1023 products of size ~3 each).
                                float tolerance = kernel == reference ? 1e-5f : 2e-3f;
                                assertArrayEquals(yExpected, y, tolerance, label + " matmul");
                                assertArrayEquals(gxExpected, gx, tolerance, label + " inputGradient");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void onlyATwoDimensionalWeightIsAKernelOperand() {
        Quantized4bit vectorWeight = Blockwise4bit.quantize(new float[64], new long[] {64}, QuantType.NF4, 64, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, vectorWeight::kernelOperand);
        assertTrue(e.getMessage().contains("2-D"), e.getMessage());
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
