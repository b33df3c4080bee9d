package dev.jgrad.quant;

import dev.jgrad.core.Generator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class Blockwise4bitTest {

    /** Block 0: [2, -1, 0.5, 0.3, 28 zeros]; block 1 (3 elements): zeros. 35 elements: odd, so padded. */
    private static float[] handData() {
        float[] x = new float[35];
        x[0] = 2f;
        x[1] = -1f;
        x[2] = 0.5f;
        x[3] = 0.3f;
        return x;
    }

    @Test
    void nf4HandComputed() {
        // absmax 2 -> scaled [1, -0.5, 0.25, 0.15, 0...]: nearest NF4 codes 15, 2 (-0.5251), 10 (0.2461),
        // 9 (0.1609), 7 (zero). Even element in the high nibble. Block 1 is all zero: code 7, and the 36th
        // (padding) nibble is 7 as well.
        Quantized4bit q = Blockwise4bit.quantize(handData(), new long[] {5, 7}, QuantType.NF4, 32, false);
        byte[] expected = new byte[18];
        java.util.Arrays.fill(expected, (byte) 0x77);
        expected[0] = (byte) 0xF2;
        expected[1] = (byte) 0xA9;
        assertArrayEquals(expected, q.packed());
        assertArrayEquals(new float[] {2f, 0f}, q.state().absmax());
        float[] c = QuantType.NF4.codebook();
        float[] back = Blockwise4bit.dequantize(q);
        assertEquals(2f, back[0]);
        assertEquals(c[2] * 2f, back[1]);
        assertEquals(c[10] * 2f, back[2]);
        assertEquals(c[9] * 2f, back[3]);
        for (int i = 4; i < 35; i++) assertEquals(0f, back[i], "element " + i);
    }

    @Test
    void fp4HandComputed() {
        // scaled [1, -0.5, 0.25, 0.15, 0...]: FP4 0b0011, 0b1101, 0b0111, 0b0110 (1/6), zeros 0b0000.
        Quantized4bit q = Blockwise4bit.quantize(handData(), new long[] {35}, QuantType.FP4, 32, false);
        byte[] expected = new byte[18];
        expected[0] = (byte) 0x3D;
        expected[1] = (byte) 0x76;
        assertArrayEquals(expected, q.packed());
        float[] back = Blockwise4bit.dequantize(q);
        assertArrayEquals(new float[] {2f, -1f, 0.5f, 2f / 6f * 1f}, java.util.Arrays.copyOf(back, 4), 1e-7f);
    }

    @Test
    void allZeroTensorStaysZero() {
        for (QuantType type : QuantType.values()) {
            Quantized4bit q = Blockwise4bit.quantize(new float[129], new long[] {129}, type, 64, true);
            for (float v : Blockwise4bit.dequantize(q)) assertEquals(0f, v);
            byte zeroByte = (byte) (type.zeroCode() * 0x11);
            for (byte b : q.packed()) assertEquals(zeroByte, b);
        }
    }

    @Test
    void everyBlockSizeGivesTheBlockAbsmaxAndBoundedError() {
        Generator g = new Generator(3);
        float[] x = gaussian(g, 3 * 4096 + 5);
        for (int bs : Blocksizes.valid()) {
            for (QuantType type : QuantType.values()) {
                Quantized4bit q = Blockwise4bit.quantize(x, new long[] {x.length}, type, bs, false);
                float[] absmax = q.state().absmax();
                assertEquals((x.length + bs - 1) / bs, absmax.length);
                float[] back = Blockwise4bit.dequantize(q);
                float halfGap = largestGap(type.codebook()) / 2;
                for (int b = 0; b < absmax.length; b++) {
                    float max = 0;
                    for (int i = b * bs; i < Math.min(x.length, (b + 1) * bs); i++) max = Math.max(max, Math.abs(x[i]));
                    assertEquals(max, absmax[b], "bs=" + bs + " block " + b);
                }
                for (int i = 0; i < x.length; i++) {
                    float a = absmax[i / bs];
                    assertTrue(Math.abs(x[i] - back[i]) <= a * halfGap * 1.0001f, type + " bs=" + bs + " element " + i);
                }
            }
        }
    }

    @Test
    void invalidBlockSizesAreRejected() {
        for (int bs : new int[] {0, 16, 48, 100, 8192, -64}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Blockwise4bit.quantize(new float[64], new long[] {64}, QuantType.NF4, bs, false));
            assertTrue(e.getMessage().contains("block size " + bs), e.getMessage());
        }
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> Blockwise4bit.quantize(new float[10], new long[] {3, 4}, QuantType.NF4, 64, false));
        float[] nan = new float[10];
        nan[4] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Blockwise4bit.quantize(nan, new long[] {10}, QuantType.NF4, 64, false));
        assertTrue(e.getMessage().contains("element 4"), e.getMessage());
    }

    /** bitsandbytes' test_4bit_quant thresholds on randn(1024, 1024) at block 64. */
    @Test
    void meetsBitsandbytesErrorThresholds() {
        float[] x = gaussian(new Generator(1234), 1024 * 1024);
        long[] shape = {1024, 1024};
        double[] nf4 = errors(x, Blockwise4bit.quantize(x, shape, QuantType.NF4, 64, false));
        assertTrue(nf4[0] < 0.073316, "NF4 mean |error| " + nf4[0]);
        assertTrue(nf4[1] < 0.205719, "NF4 mean relative error " + nf4[1]);
        double[] fp4 = errors(x, Blockwise4bit.quantize(x, shape, QuantType.FP4, 64, false));
        assertTrue(fp4[0] < 0.096545 + 1e-3, "FP4 mean |error| " + fp4[0]);
        assertTrue(fp4[1] < 0.260130 + 1e-3, "FP4 mean relative error " + fp4[1]);
        for (QuantType type : QuantType.values()) {
            double[] dq = errors(x, Blockwise4bit.quantize(x, shape, type, 64, true));
            assertTrue(dq[0] < 0.11, type + " double-quantized mean |error| " + dq[0]);
            assertTrue(dq[1] < 0.28, type + " double-quantized mean relative error " + dq[1]);
            System.out.printf("randn(1024,1024) bs64 double-quantized %s: err %.6f rel %.6f%n", type, dq[0], dq[1]);
        }
        System.out.printf("randn(1024,1024) bs64: NF4 err %.6f rel %.6f | FP4 err %.6f rel %.6f%n", nf4[0], nf4[1], fp4[0], fp4[1]);
    }

    @Test
    void bitsPerParameter() {
        float[] x = gaussian(new Generator(5), 1024 * 1024);
        assertEquals(4.5, Blockwise4bit.quantize(x, new long[] {1024, 1024}, QuantType.NF4, 64, false).state().bitsPerParameter());
        // 4 + 8/64 + (64 nested absmax · 32 + 32-bit offset) / 2^20 = 4.12698...
        double dq = Blockwise4bit.quantize(x, new long[] {1024, 1024}, QuantType.NF4, 64, true).state().bitsPerParameter();
        assertEquals(4 + 8.0 / 64 + (64 * 32 + 32) / 1048576.0, dq, 1e-12);
        assertEquals(4.127, dq, 5e-4);
    }

    @Test
    void doubleQuantizedAbsmaxIsCloseToTheExactOne() {
        float[] x = gaussian(new Generator(9), 64 * 1000);
        Quantized4bit plain = Blockwise4bit.quantize(x, new long[] {x.length}, QuantType.NF4, 64, false);
        Quantized4bit dq = Blockwise4bit.quantize(x, new long[] {x.length}, QuantType.NF4, 64, true);
        assertArrayEquals(plain.packed(), dq.packed(), "nibbles are chosen with the exact absmax");
        float[] exact = plain.blockAbsmax(), recovered = dq.blockAbsmax();
        double sum = 0;
        for (float a : exact) sum += a;
        assertEquals((float) (sum / exact.length), dq.state().doubleQuant().offset());
        for (int b = 0; b < exact.length; b++) {
            // The 8-bit dynamic map's relative spacing near 1 is under 1.5%: the error is a small share of the
            // block's centred range.
            assertEquals(exact[b], recovered[b], 0.02 * dq.state().doubleQuant().absmax().absmax()[b / 256], "block " + b);
        }
    }

    @Test
    void requantizingTheDequantizedTensorReproducesTheNibbles() {
        float[] x = gaussian(new Generator(11), 4099);
        for (QuantType type : QuantType.values()) {
            Quantized4bit q = Blockwise4bit.quantize(x, new long[] {x.length}, type, 128, false);
            float[] back = Blockwise4bit.dequantize(q);
            Quantized4bit again = Blockwise4bit.quantize(back, new long[] {x.length}, type, 128, false);
            assertArrayEquals(q.state().absmax(), again.state().absmax(), type.name());
            if (type == QuantType.NF4) {
                assertArrayEquals(q.packed(), again.packed());
            } else {
                // FP4 has two zeros: a tiny negative value encodes as -0 (code 8), which decodes to -0.0 and then
                // re-encodes as +0 (code 0, since -0.0 < 0 is false). Values agree; nibbles may differ there.
                float[] back2 = Blockwise4bit.dequantize(again);
                for (int i = 0; i < x.length; i++) assertTrue(back[i] == back2[i], "element " + i);
            }
        }
    }

    static float[] gaussian(Generator g, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) g.nextGaussian();
        return x;
    }

    /** {mean |x - x̂|, mean |x - x̂| / (|x| + 1e-8)}, as bitsandbytes measures. */
    static double[] errors(float[] x, Quantized4bit q) {
        float[] back = Blockwise4bit.dequantize(q);
        double err = 0, rel = 0;
        for (int i = 0; i < x.length; i++) {
            double e = Math.abs(x[i] - back[i]);
            err += e;
            rel += e / (Math.abs(x[i]) + 1e-8);
        }
        return new double[] {err / x.length, rel / x.length};
    }

    private static float largestGap(float[] codebook) {
        float[] sorted = codebook.clone();
        java.util.Arrays.sort(sorted);
        float gap = 0;
        for (int i = 1; i < sorted.length; i++) gap = Math.max(gap, sorted[i] - sorted[i - 1]);
        return gap;
    }
}
