package dev.jgrad.transformer;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.core.io.gguf.GgufBlocks;
import dev.jgrad.core.io.gguf.GgufQuantizer;
import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.nn.Forward;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Module;
import dev.jgrad.transformer.checkpoint.HfCheckpoint;
import dev.jgrad.transformer.checkpoint.ModelLoader;
import dev.jgrad.transformer.llama.LlamaModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small LLaMA (dim 64, hidden 192, 2 layers, untied head) loaded with every linear layer, the classifier too,
 * quantized to Q8_0 while loading ({@link GgufLinear#quantizing}, what {@code generate --quant q8_0} does), against
 * the same checkpoint loaded with {@link OracleLinear}s: weights quantized by ggml's reference quantizer and decoded
 * by {@link GgufBlocks}, activations quantized by this test's own Q8_0 code, products summed in float64. The rest of
 * the model (embedding, norms, attention) is the same float32 code in both, so the logits differ only by the int8
 * kernel's float32 accumulation: the tolerance is {@code 1e-4·max|logit|}. The float model's logits, for scale,
 * differ from both by quantization error, orders of magnitude more.
 */
class Int8LinearModelTest {

    static final LlamaConfig CONFIG = new LlamaConfig(96, 64, 2, 4, 2, 192, 1e-5, 10000, RopeStyle.HALF, 32, false);

    /** The float64 oracle of a Q8_0 linear layer with int8 activations (no bias: LLaMA has none). */
    static final class OracleLinear extends Module implements Forward, WeightReceiver {
        final int in, out;
        double[] w;

        OracleLinear(int in, int out) {
            this.in = in;
            this.out = out;
        }

        @Override
        public void receive(String name, int[] shape, float[] values) {
            byte[] blocks = new byte[Math.toIntExact(GgufType.Q8_0.byteSize((long) in * out))];
            GgufQuantizer.quantize(GgufType.Q8_0, values, 0, values.length, blocks, 0);
            float[] decoded = new float[in * out];
            GgufBlocks.dequantize(GgufType.Q8_0, MemorySegment.ofArray(blocks), 0, decoded, 0, decoded.length);
            w = new double[decoded.length];
            for (int i = 0; i < w.length; i++) w[i] = decoded[i];
        }

        @Override
        public Tensor forward(Tensor x) {
            float[] xs = x.detach().contiguous().toFloatArray();
            int m = xs.length / in;
            float[] ys = new float[m * out];
            for (int i = 0; i < m; i++) {
                double[] xq = new double[in];
                for (int b = 0; b < in; b += 32) {                     // Q8_0: d = amax/127, q = roundf(x/d)
                    float amax = 0;
                    for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(xs[i * in + b + j]));
                    float d = amax / 127f, id = d == 0 ? 0 : 1f / d;
                    for (int j = 0; j < 32; j++) {
                        float v = xs[i * in + b + j];
                        xq[b + j] = (double) d * Math.signum(v) * Math.round(Math.abs(v * id));
                    }
                }
                for (int o = 0; o < out; o++) {
                    double s = 0;
                    for (int k = 0; k < in; k++) s += w[o * in + k] * xq[k];
                    ys[i * out + o] = (float) s;
                }
            }
            int[] shape = x.shape().clone();
            shape[shape.length - 1] = out;
            return Tensor.of(ys, shape);
        }
    }

    private static float[] logits(Module model) {
        Tensor ids = Tensor.of(new int[] {1, 5, 9, 20, 33, 47, 60, 2, 95}, 1, 9);
        return ((CausalLM) model).forward(ids).toFloatArray();
    }

    @Test
    void q8_0LogitsMatchTheFloat64OracleOfTheSameQuantization(@TempDir Path tmp) throws Exception {
        Path ck = tmp.resolve("m");
        HfCheckpoint.save(new LlamaModel(CONFIG, new Generator(7)), ck);
        ModelLoader.Loaded quantized = ModelLoader.load(ck, ModelLoader.Format.HF, null, GgufLinear.quantizing(p -> GgufType.Q8_0));
        int layers = 0;
        for (var e : quantized.model().namedModules().entrySet()) {
            assertTrue(!(e.getValue() instanceof Linear), e.getKey() + " stayed float");
            if (e.getValue() instanceof GgufLinear g) {
                assertTrue(g.int8Activations(), e.getKey());
                assertEquals(GgufType.Q8_0, g.type(), e.getKey());
                layers++;
            }
        }
        assertEquals(2 * 7 + 1, layers, "7 linears a block and the classifier");
        assertInstanceOf(GgufLinear.class, quantized.model().namedModules().get("lm_head"));
        ModelLoader.Loaded oracle = ModelLoader.load(ck, ModelLoader.Format.HF, null,
                (path, in, out, bias, gen) -> new OracleLinear(in, out));
        float[] got = logits(quantized.model()), want = logits(oracle.model());
        float[] full = logits(ModelLoader.load(ck, ModelLoader.Format.HF, null).model());
        double max = 0, diff = 0, quantError = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i]));
            diff = Math.max(diff, Math.abs(got[i] - want[i]));
            quantError = Math.max(quantError, Math.abs(full[i] - want[i]));
        }
        assertTrue(diff <= 1e-4 * max, "int8 kernel vs float64 oracle: max |Δ| = " + diff + ", max |logit| = " + max);
        assertTrue(quantError > 10 * diff, "the float model differs by quantization error (" + quantError + ") far more");
    }

    @Test
    void rowsThatAreNotWholeBlocksAreRefusedWithThePath(@TempDir Path tmp) throws Exception {
        Path ck = tmp.resolve("m");
        LlamaConfig odd = new LlamaConfig(64, 48, 1, 4, 2, 128, 1e-5, 10000, RopeStyle.HALF, 32, false);
        HfCheckpoint.save(new LlamaModel(odd, new Generator(1)), ck);
        var e = assertThrows(IllegalArgumentException.class,
                () -> ModelLoader.load(ck, ModelLoader.Format.HF, null, GgufLinear.quantizing(p -> GgufType.Q4_0)));
        assertTrue(e.getMessage().contains("rows of 48 values, not whole Q4_0 blocks of 32"), e.getMessage());
        assertTrue(e.getMessage().contains("model.layers.0."), e.getMessage());
    }
}
