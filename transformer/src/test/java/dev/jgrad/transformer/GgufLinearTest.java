package dev.jgrad.transformer;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.gguf.GgufQuantizer;
import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.nn.Linear;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A GGUF layer against the float {@link Linear} with the same (decoded) weight: forward, the input gradient through
 * autograd for a batch of sequences, the bias, and a frozen weight.
 */
class GgufLinearTest {

    @Test
    void forwardAndInputGradientMatchTheFloatLayer() {
        Generator gen = new Generator(8);
        int in = 64, out = 24;
        for (GgufType t : new GgufType[] {GgufType.F32, GgufType.Q8_0}) {
            Linear dense = new Linear(in, out, true, gen);
            float[] w = dense.weight().toFloatArray();
            byte[] blocks = new byte[(int) t.byteSize((long) in * out)];
            GgufQuantizer.quantize(t, w, 0, w.length, blocks, 0);
            GgufLinear q = new GgufLinear(in, out, true);
            q.setWeight(t, blocks);
            float[] decoded = q.dequantizedWeight();
            try (var ignored = dev.jgrad.core.autograd.NoGrad.enter()) {
                dense.weight().copyFrom(Tensor.of(decoded, out, in));
                q.bias().copyFrom(dense.bias());
            }
            Tensor x1 = Tensor.randn(gen, 2, 3, in).requiresGrad(true);
            Tensor x2 = Tensor.of(x1.toFloatArray(), 2, 3, in).requiresGrad(true);
            Tensor y1 = dense.forward(x1), y2 = q.forward(x2);
            assertEquals(3, y2.shape().length);
            float[] a = y1.toFloatArray(), b = y2.toFloatArray();
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-5f * (1 + Math.abs(a[i])), t + " y[" + i + "]");
            Tensor g = Tensor.randn(gen, 2, 3, out);
            y1.mul(g).sum().backward();
            y2.mul(g).sum().backward();
            float[] ga = x1.grad().toFloatArray(), gb = x2.grad().toFloatArray();
            for (int i = 0; i < ga.length; i++) assertEquals(ga[i], gb[i], 1e-5f * (1 + Math.abs(ga[i])), t + " dx[" + i + "]");
            assertNull(q.bias().grad(), "the bias is frozen too");
        }
    }

    @Test
    void misuseIsRefusedWithTheLayerNamed() {
        GgufLinear q = new GgufLinear(32, 2, false);
        assertTrue(assertThrows(IllegalStateException.class, () -> q.forward(Tensor.zeros(1, 32))).getMessage().contains("not been loaded"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> q.setWeight(GgufType.Q8_0, new byte[10])).getMessage()
                .contains("takes 68 bytes"));
        q.setWeight(GgufType.Q4_0, new byte[36]);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> q.forward(Tensor.zeros(1, 31))).getMessage()
                .contains("expected 32"));
        assertThrows(IllegalArgumentException.class, () -> new GgufLinear(48, 2, false).setWeight(GgufType.Q8_0, new byte[0]));
    }
}
