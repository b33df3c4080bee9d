package dev.jgrad.quant.lora;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.nn.Linear;
import dev.jgrad.quant.Goldens;
import dev.jgrad.quant.Linear4bit;
import dev.jgrad.quant.QuantSpec;
import org.junit.jupiter.api.Test;

import static dev.jgrad.quant.Goldens.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/** LoRA layers against PyTorch implementing PEFT's math (make_lora_goldens.py), merging and unmerging. */
class LoraLinearTest {

    /** A LoRA layer holding the golden case's base weight, bias, A and B. */
    static LoraLinear fromGolden(SafetensorsFile g, String c, double scaling) {
        long[] w = g.entry(c + ".weight").shape();
        int out = (int) w[0], in = (int) w[1], r = (int) g.entry(c + ".lora_A").shape()[0];
        Linear base = new Linear(in, out, true);
        LoraLinear l = new LoraLinear(base, r, scaling, 0.0, new Generator(1));
        try (NoGrad ignored = NoGrad.enter()) {
            base.weight().copyFrom(Tensor.of(g.readFloats(c + ".weight"), out, in));
            base.bias().copyFrom(Tensor.of(g.readFloats(c + ".bias")));
            l.loraA().copyFrom(Tensor.of(g.readFloats(c + ".lora_A"), r, in));
            l.loraB().copyFrom(Tensor.of(g.readFloats(c + ".lora_B"), out, r));
        }
        return l;
    }

    @Test
    void forwardAndGradientsMatchPyTorch() throws Exception {
        try (SafetensorsFile g = Goldens.open()) {
            for (String c : new String[] {"lora", "rslora"}) {
                LoraConfig cfg = new LoraConfig(4, 8.0, 0, java.util.List.of("x"), null, c.equals("rslora"));
                assertEquals(g.readDoubles(c + ".scaling")[0], cfg.scaling(), 1e-15, c + " scaling");
                LoraLinear l = fromGolden(g, c, cfg.scaling());
                Tensor x = Tensor.of(g.readFloats(c + ".x"), 2, 3, 40).requiresGrad(true);
                Tensor y = l.forward(x);
                assertClose(g.readDoubles(c + ".y"), y.toFloatArray(), 2e-6, c + " y");
                y.backward(Tensor.of(g.readFloats(c + ".gy"), 2, 3, 24));
                assertClose(g.readDoubles(c + ".gx"), x.grad().toFloatArray(), 2e-6, c + " dx");
                assertClose(g.readDoubles(c + ".gA"), l.loraA().grad().toFloatArray(), 2e-6, c + " dA");
                assertClose(g.readDoubles(c + ".gB"), l.loraB().grad().toFloatArray(), 2e-6, c + " dB");
                Linear base = (Linear) l.base();
                assertNull(base.weight().grad(), "the base weight is frozen");
                assertNull(base.bias().grad(), "the base bias is frozen (bias=\"none\")");
            }
        }
    }

    @Test
    void freshAdapterIsTheBaseLayerAndInitialisesAsPeft() {
        Linear base = new Linear(40, 24, true, new Generator(5));
        LoraLinear l = new LoraLinear(base, 8, 2.0, 0.0, new Generator(6));
        Tensor x = Tensor.randn(new Generator(7), 3, 40);
        assertArrayEquals(base.forward(x).toFloatArray(), l.forward(x).toFloatArray(), "B = 0: y = base(x)");
        for (float v : l.loraB().toFloatArray()) assertEquals(0f, v);
        // kaiming_uniform_(a=√5) on (r, in): bound = gain·√(3/fan_in) with gain = √(2/(1+a²)) = √(1/3), so 1/√in.
        double bound = 1 / Math.sqrt(40), max = 0;
        for (float v : l.loraA().toFloatArray()) max = Math.max(max, Math.abs(v));
        assertTrue(max <= bound && max > 0.8 * bound, "A within U(±1/√in), max |A| = " + max);
        assertEquals(8 * 40 + 24 * 8, l.numTrainableParameters());
    }

    @Test
    void dropoutActsOnTheAdapterBranchOnly() throws Exception {
        try (SafetensorsFile g = Goldens.open()) {
            double p = 0.5;
            LoraLinear ref = fromGolden(g, "lora", 2.0);
            Linear base = (Linear) ref.base();
            // The same layer with dropout: the base path sees x, the adapter sees mask ⊙ x (F.dropout's mask: one
            // Bernoulli draw per element in row-major order, survivors scaled by 1/(1 − p)).
            Generator gen = new Generator(99);
            LoraLinear l = new LoraLinear(copy(base), 4, 2.0, p, gen);
            try (NoGrad ignored = NoGrad.enter()) {
                l.loraA().copyFrom(ref.loraA());
                l.loraB().copyFrom(ref.loraB());
            }
            float[] xv = g.readFloats("lora.x");
            Generator draws = new Generator(0);
            draws.setState(gen.state());   // the draws the adapter's dropout will make next
            float[] masked = xv.clone();
            for (int i = 0; i < masked.length; i++) masked[i] = draws.nextDouble() < p ? 0f : (float) (masked[i] / (1 - p));
            l.train();
            Tensor y = l.forward(Tensor.of(xv.clone(), 2, 3, 40));
            Tensor expected;
            try (NoGrad ignored = NoGrad.enter()) {
                Tensor branch = Tensor.of(masked, 2, 3, 40).matmul(ref.loraA().t()).matmul(ref.loraB().t()).mul(2.0);
                expected = base.forward(Tensor.of(xv.clone(), 2, 3, 40)).add(branch);
            }
            assertArrayEquals(expected.toFloatArray(), y.toFloatArray(), 1e-5f);
            l.eval();
            assertArrayEquals(ref.forward(Tensor.of(xv, 2, 3, 40)).toFloatArray(), l.forward(Tensor.of(xv, 2, 3, 40)).toFloatArray(),
                    1e-6f, "no dropout in evaluation");
        }
    }

    @Test
    void mergeFoldsTheAdapterIntoAFloatBaseAndUnmergeRestoresIt() throws Exception {
        try (SafetensorsFile g = Goldens.open()) {
            LoraLinear l = fromGolden(g, "lora", 2.0);
            Linear base = (Linear) l.base();
            float[] original = base.weight().toFloatArray();
            Tensor x = Tensor.of(g.readFloats("lora.x"), 2, 3, 40);
            float[] adapted = l.forward(x).toFloatArray();
            l.merge();
            assertTrue(l.isMerged());
            assertClose(g.readDoubles("lora.merged"), base.weight().toFloatArray(), 1e-6, "W + scaling·B·A");
            assertArrayEquals(adapted, l.forward(x).toFloatArray(), 1e-5f, "merged forward = adapter forward");
            assertThrows(IllegalStateException.class, l::merge);
            l.unmerge();
            assertArrayEquals(original, base.weight().toFloatArray(), 1e-6f, "unmerge restores W up to float rounding");
            assertArrayEquals(adapted, l.forward(x).toFloatArray(), 1e-5f);
        }
    }

    @Test
    void mergeIntoA4bitBaseRequantizesAsPeftDoes() throws Exception {
        try (SafetensorsFile g = Goldens.open()) {
            LoraLinear floatRef = fromGolden(g, "lora", 2.0);
            Linear4bit q = Linear4bit.quantize((Linear) floatRef.base(), QuantSpec.qlora());
            LoraLinear l = new LoraLinear(q, 4, 2.0, 0, new Generator(1));
            try (NoGrad ignored = NoGrad.enter()) {
                l.loraA().copyFrom(floatRef.loraA());
                l.loraB().copyFrom(floatRef.loraB());
            }
            Tensor x = Tensor.of(g.readFloats("lora.x"), 2, 3, 40);
            float[] exact = floatRef.forward(x).toFloatArray();
            float[] adapted = l.forward(x).toFloatArray();
            // PEFT's merge for bitsandbytes 4-bit layers: dequantize, add the delta, quantize again.
            float[] w = q.dequantizedWeight(), delta = l.deltaWeight();
            for (int i = 0; i < w.length; i++) w[i] += delta[i];
            byte[] expectedNibbles = QuantSpec.qlora().quantize(w, new long[] {24, 40}).packed();
            l.merge();
            assertArrayEquals(expectedNibbles, q.weight().packed(), "merged weight = quantize(dequantize(W) + delta)");
            float[] merged = l.forward(x).toFloatArray();
            // Re-quantizing adds a second rounding of the same size as the first: the merged layer is as far from
            // the adapter's output as the 4-bit adapter is from the float one, give or take a factor of two.
            double mergeError = relativeError(adapted, merged), quantError = relativeError(exact, adapted);
            assertTrue(mergeError > 0 && mergeError < 2 * quantError,
                    "merge error " + mergeError + " against the quantization error " + quantError);
            l.unmerge();
            assertFalse(l.isMerged());
            assertTrue(relativeError(adapted, l.forward(x).toFloatArray()) < 3 * quantError, "unmerged: close, not exact");
        }
    }

    private static double relativeError(float[] reference, float[] actual) {
        double err = 0, norm = 0;
        for (int i = 0; i < reference.length; i++) {
            err += (reference[i] - actual[i]) * (double) (reference[i] - actual[i]);
            norm += reference[i] * (double) reference[i];
        }
        return Math.sqrt(err / norm);
    }

    private static Linear copy(Linear base) {
        Linear c = new Linear(base.inFeatures(), base.outFeatures(), base.hasBias());
        try (NoGrad ignored = NoGrad.enter()) {
            c.weight().copyFrom(base.weight());
            if (base.hasBias()) c.bias().copyFrom(base.bias());
        }
        return c;
    }
}
