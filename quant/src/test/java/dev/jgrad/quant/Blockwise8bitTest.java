package dev.jgrad.quant;

import dev.jgrad.core.Generator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class Blockwise8bitTest {

    @Test
    void dynamicMapShape() {
        float[] map = DynamicMap.signed();
        assertEquals(256, map.length);
        assertEquals(0f, map[127]);
        assertEquals(1f, map[255]);
        assertEquals(-0.99296875f, map[0]);               // -(1 - 0.9/128): the mean of the last two of 65 points
        assertEquals(5.5e-7f, map[128]);                   // 1e-6 · (0.1 + 1) / 2: the smallest positive
        for (int i = 1; i < 256; i++) assertTrue(map[i - 1] < map[i], "ascending at " + i);
        for (int k = 1; k <= 127; k++) assertEquals(-map[127 + k], map[127 - k], "symmetric at " + k);
    }

    @Test
    void handComputedBlock() {
        // Block of 4 (padded up to 32 by being the last block): absmax 4, scaled [1, -0.5, 0, 0.25].
        float[] map = DynamicMap.signed();
        Quantized8bit q = Blockwise8bit.quantize(new float[] {4f, -2f, 0f, 1f}, 32);
        assertArrayEquals(new float[] {4f}, q.absmax());
        assertEquals(255, q.codes()[0] & 0xff);
        assertEquals(127, q.codes()[2] & 0xff);
        assertEquals(-0.5f, map[q.codes()[1] & 0xff], 0.9f / 64 / 2 * 1.0001f); // bins of 0.9/64 near 0.5
        assertEquals(0.25f, map[q.codes()[3] & 0xff], 0.09f / 16 / 2 * 1.0001f);
        assertArrayEquals(new float[] {4f, 4f * map[q.codes()[1] & 0xff], 0f, 4f * map[q.codes()[3] & 0xff]}, q.dequantize());
    }

    @Test
    void zeroBlockAndInvalidSizes() {
        Quantized8bit q = Blockwise8bit.quantize(new float[300], 256);
        for (byte b : q.codes()) assertEquals(127, b & 0xff);
        for (float v : q.dequantize()) assertEquals(0f, v);
        assertThrows(IllegalArgumentException.class, () -> Blockwise8bit.quantize(new float[10], 100));
    }

    /** bitsandbytes' test_dynamic_blockwise_quantization thresholds (default block 4096). */
    @Test
    void meetsBitsandbytesErrorThresholds() {
        Generator g = new Generator(77);
        float[] normal = new float[1024 * 1024], uniform = new float[1024 * 1024];
        for (int i = 0; i < normal.length; i++) {
            normal[i] = (float) g.nextGaussian();
            uniform[i] = g.nextFloat();
        }
        double normalErr = meanAbsError(normal, Blockwise8bit.quantize(normal, 4096));
        double uniformErr = meanAbsError(uniform, Blockwise8bit.quantize(uniform, 4096));
        assertTrue(normalErr < 0.011, "randn mean |error| " + normalErr);
        assertTrue(uniformErr < 0.0033, "rand mean |error| " + uniformErr);
        float[] back = Blockwise8bit.quantize(uniform, 4096).dequantize();
        for (int i = 0; i < uniform.length; i++) assertEquals(uniform[i], back[i], 1e-2, "element " + i);
    }

    private static double meanAbsError(float[] x, Quantized8bit q) {
        float[] back = q.dequantize();
        double sum = 0;
        for (int i = 0; i < x.length; i++) sum += Math.abs(x[i] - back[i]);
        return sum / x.length;
    }
}
