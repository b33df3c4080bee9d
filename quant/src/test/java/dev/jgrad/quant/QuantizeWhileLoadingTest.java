package dev.jgrad.quant;

import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.nn.Linear;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.checkpoint.HfCheckpoint;
import dev.jgrad.transformer.checkpoint.JgradCheckpoint;
import dev.jgrad.transformer.checkpoint.Llama2cCheckpoint;
import dev.jgrad.transformer.checkpoint.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A model quantized while loading (each weight quantized as it is read, the float model never built) is the
 * model loaded in float32 and then quantized: the same nibbles and scales, the same logits; for every format.
 */
class QuantizeWhileLoadingTest {

    @TempDir
    Path tmp;

    @Test
    void huggingFaceBf16AndF32() throws Exception {
        check(HfCheckpoint.load(Goldens.lora("base-llama")),
                QuantizedModels.load(Goldens.lora("base-llama"), null, null, QuantSpec.qlora()).model());
        Path bf16 = Goldens.transformerGolden("hf-llama-bf16");
        check(HfCheckpoint.load(bf16), QuantizedModels.load(bf16, ModelLoader.Format.HF, null, new QuantSpec(QuantType.FP4, 128, false)).model());
        Path gpt = Goldens.transformerGolden("hf-gpt2");   // Conv1D weights, transposed on the way in, with biases
        check(HfCheckpoint.load(gpt), QuantizedModels.load(gpt, null, null, QuantSpec.qlora()).model());
    }

    @Test
    void qwen2WithBiasesMistralAndLlama3() throws Exception {
        for (String arch : new String[] {"hf-qwen2", "hf-mistral", "hf-llama3"}) {
            Path dir = Goldens.transformerGolden(arch);   // Qwen2's q/k/v biases stay float beside the 4-bit weights
            check(HfCheckpoint.load(dir), QuantizedModels.load(dir, null, null, QuantSpec.qlora()).model());
        }
    }

    @Test
    void llama2cAndJgrad() throws Exception {
        Path bin = Goldens.transformerGolden("llama2c/model.bin");
        check(Llama2cCheckpoint.load(bin), QuantizedModels.load(bin, ModelLoader.Format.LLAMA2C, null, QuantSpec.qlora()).model());
        CausalLM floats = HfCheckpoint.load(Goldens.lora("base-llama"));
        JgradCheckpoint.save(tmp.resolve("jgrad"), floats);
        check(JgradCheckpoint.load(tmp.resolve("jgrad")),
                QuantizedModels.load(tmp.resolve("jgrad"), ModelLoader.Format.JGRAD, null, QuantSpec.qlora()).model());
    }

    /** {@code quantized} must equal {@code floats} with its block layers quantized afterwards. */
    private static void check(CausalLM floats, CausalLM quantized) throws Exception {
        Map<String, Linear4bit> loaded = QuantizedModels.layers(quantized);
        assertFalse(loaded.isEmpty());
        assertTrue(quantized.child("lm_head") instanceof Linear || !(floats.child("lm_head") instanceof Linear),
                "the output head stays float");
        long floatLinears = floats.namedModules().entrySet().stream()
                .filter(e -> e.getValue() instanceof Linear && !e.getKey().equals("lm_head")).count();
        assertEquals(floatLinears, loaded.size(), "every block linear layer is 4-bit");
        QuantizedModels.quantize(floats, loaded.values().iterator().next().spec());
        Map<String, Linear4bit> after = QuantizedModels.layers(floats);
        assertEquals(after.keySet(), loaded.keySet());
        for (String path : after.keySet()) {
            Quantized4bit a = after.get(path).weight(), b = loaded.get(path).weight();
            assertArrayEquals(a.packed(), b.packed(), path);
            assertEquals(a.state(), b.state(), path);
        }
        for (Map.Entry<String, Tensor> e : floats.namedParameters().entrySet())
            assertArrayEquals(e.getValue().toFloatArray(), quantized.namedParameters().get(e.getKey()).toFloatArray(), e.getKey());
        Tensor ids = CausalLM.ids(new int[] {1, 5, 9, 2, 33, 7}, new int[] {4, 4, 8, 15, 16, 23});
        assertArrayEquals(floats.forward(ids).toFloatArray(), quantized.forward(ids).toFloatArray());
    }

    @Test
    void quantizedModelMatchesPyTorchOnTheDequantizedWeights() throws Exception {
        try (SafetensorsFile g = Goldens.open()) {
            CausalLM q = QuantizedModels.load(Goldens.lora("base-llama"), null, null, QuantSpec.qlora()).model();
            long[] idv = g.readLongs("peft.ids");
            Tensor ids = Tensor.of(idv, 2, idv.length / 2);
            Goldens.assertClose(g.readDoubles("peft.nf4_logits"), q.forward(ids).toFloatArray(), 2e-5, "NF4 logits");
            // ... and they are not the float model's: quantization did something.
            double[] base = g.readDoubles("peft.base_logits");
            float[] got = q.forward(ids).toFloatArray();
            double maxDiff = 0;
            for (int i = 0; i < base.length; i++) maxDiff = Math.max(maxDiff, Math.abs(base[i] - got[i]));
            assertTrue(maxDiff > 1e-2, "NF4 logits differ from the float model's by " + maxDiff);
        }
    }
}
