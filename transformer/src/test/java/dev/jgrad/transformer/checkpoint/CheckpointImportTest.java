package dev.jgrad.transformer.checkpoint;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.optim.AdamW;
import dev.jgrad.optim.Checkpoint;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.ModelGoldens;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.transformer.llama.LlamaModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints written by the PyTorch script load and give PyTorch's logits; checkpoints jgrad exports load back to
 * the same logits.
 */
class CheckpointImportTest {

    static Tensor logits(CausalLM m, Tensor ids) {
        try (NoGrad ignored = NoGrad.enter()) {
            return m.forward(ids);
        }
    }

    @Test
    void huggingFaceGpt2HubLayoutGivesThePyTorchLogits() throws Exception {
        Map<String, Tensor> g = ModelGoldens.read("gpt");
        CausalLM m = HfCheckpoint.load(ModelGoldens.dir().resolve("hf-gpt2"));
        assertEquals(ModelGoldens.GPT.withDropout(0.1), m.config(), "config.json maps to the script's GPT (resid_pdrop 0.1)");
        assertFalse(m.isTraining());
        ModelGoldens.assertClose("hf-gpt2 logits", g.get("logits"), logits(m, g.get("ids")), 1e-4);
    }

    @Test
    void shardedHuggingFaceLlamaGivesThePyTorchLogits() throws Exception {
        Map<String, Tensor> g = ModelGoldens.read("llama");
        CausalLM m = HfCheckpoint.load(ModelGoldens.dir().resolve("hf-llama-sharded"));
        assertEquals(ModelGoldens.LLAMA, m.config());
        ModelGoldens.assertClose("hf-llama-sharded logits", g.get("logits"), logits(m, g.get("ids")), 1e-4);
    }

    @Test
    void bf16HuggingFaceLlamaGivesThePyTorchLogitsOfTheRoundedWeights() throws Exception {
        Map<String, Tensor> g = ModelGoldens.read("llama");
        CausalLM m = HfCheckpoint.load(ModelGoldens.dir().resolve("hf-llama-bf16"));
        Tensor out = logits(m, g.get("ids"));
        ModelGoldens.assertClose("hf-llama-bf16 logits", g.get("bf16_logits"), out, 1e-4);
        // The rounding is visible: the float32 logits differ from the bf16 ones by far more than the tolerance.
        assertTrue(ModelGoldens.maxRelError(g.get("logits"), out) > 1e-3);
    }

    @Test
    void llama2cFileWithInterleavedRopeAndGqaGivesThePyTorchLogits() throws Exception {
        Map<String, Tensor> g = ModelGoldens.read("llama");
        LlamaModel m = Llama2cCheckpoint.load(ModelGoldens.dir().resolve("llama2c/model.bin"));
        assertEquals(ModelGoldens.LLAMA.withRopeStyle(RopeStyle.INTERLEAVED), m.config());
        ModelGoldens.assertClose("llama2c logits", g.get("logits"), logits(m, g.get("ids")), 1e-4);
    }

    @Test
    void exportedHuggingFaceCheckpointsReloadToIdenticalLogits(@TempDir Path tmp) throws Exception {
        Tensor ids = ModelGoldens.read("gpt").get("ids");
        CausalLM[] models = {
                ModelGoldens.gpt(),
                new GptModel(new GptConfig(64, 32, 32, 2, 4, 0.0, false, 1e-5, false, false), new Generator(3)),
                ModelGoldens.llama(),
                new LlamaModel(new LlamaConfig(64, 32, 2, 4, 1, 64, 1e-5, 500000, RopeStyle.HALF, 32, true), new Generator(4))};
        for (int i = 0; i < models.length; i++) {
            CausalLM m = models[i].eval();
            Path dir = tmp.resolve("m" + i);
            HfCheckpoint.save(m, dir);
            CausalLM back = HfCheckpoint.load(dir);
            assertArrayEquals(logits(m, ids).toFloatArray(), logits(back, ids).toFloatArray(), "model " + i + ": " + m.config());
        }
        // GPT-2 is stored as HF stores it: Conv1D (in, out), and no lm_head when tied.
        try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve("m0/model.safetensors"))) {
            assertArrayEquals(new long[] {32, 96}, f.entry("transformer.h.0.attn.c_attn.weight").shape());
            assertFalse(f.contains("lm_head.weight"));
        }
        // The bias-free GPT is written with zero biases.
        try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve("m1/model.safetensors"))) {
            float[] bias = f.readFloats("transformer.h.1.mlp.c_fc.bias");
            assertEquals(128, bias.length);
            for (float b : bias) assertEquals(0f, b);
        }
    }

    @Test
    void anInterleavedLlamaIsExportedInHuggingFaceLayout(@TempDir Path tmp) throws Exception {
        Tensor ids = ModelGoldens.read("llama").get("ids");
        LlamaModel meta = Llama2cCheckpoint.load(ModelGoldens.dir().resolve("llama2c/model.bin"));
        HfCheckpoint.save(meta, tmp.resolve("hf"));
        CausalLM hf = HfCheckpoint.load(tmp.resolve("hf"));
        assertEquals(RopeStyle.HALF, ((LlamaConfig) hf.config()).ropeStyle());
        // The permuted q/k rows are exactly the script's HF weights...
        Map<String, Tensor> params = ModelGoldens.params(ModelGoldens.read("llama"));
        for (String name : new String[] {"model.layers.1.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight"})
            assertArrayEquals(params.get(name).toFloatArray(), hf.namedParameters().get(name).toFloatArray(), name);
        // ...and the model is the same function (pairs rotate in another order, so sums round differently).
        ModelGoldens.assertClose("interleaved vs half", logits(meta, ids), logits(hf, ids), 1e-5);
        float[] w = params.get("model.layers.1.self_attn.q_proj.weight").toFloatArray();
        assertArrayEquals(w, Models.interleavedToHalf(Models.halfToInterleaved(w, 4, 12, 48), 4, 12, 48));
    }

    @Test
    void jgradCheckpointsKeepTheConfigAndWeights(@TempDir Path tmp) throws Exception {
        Tensor ids = ModelGoldens.read("llama").get("ids");
        CausalLM m = ModelGoldens.llama();
        AdamW opt = new AdamW(m.parameters(), AdamW.defaults(1e-3));
        m.loss(ids, ids).backward();
        opt.step();
        m.eval();
        JgradCheckpoint.save(tmp.resolve("ck"), m, opt, null, null, 1, Map.of("note", "test"));
        assertEquals(m.config(), JgradCheckpoint.readConfig(tmp.resolve("ck")));
        CausalLM back = JgradCheckpoint.load(tmp.resolve("ck"));
        assertArrayEquals(logits(m, ids).toFloatArray(), logits(back, ids).toFloatArray());
        // Resuming with an optimizer restores its state through optim's Checkpoint.
        CausalLM resumed = Models.create(JgradCheckpoint.readConfig(tmp.resolve("ck")), new Generator(9));
        AdamW opt2 = new AdamW(resumed.parameters(), AdamW.defaults(1e-3));
        Checkpoint.Loaded info = Checkpoint.load(tmp.resolve("ck"), new Checkpoint.Training(resumed, opt2, null, null));
        assertEquals(1, info.step());
        assertEquals("test", info.extra().get("note"));
        assertEquals(1, opt2.stateOf(resumed.parameters().get(0)).step());
    }

    @Test
    void modelLoaderDetectsEachFormat(@TempDir Path tmp) throws Exception {
        Path d = ModelGoldens.dir();
        assertEquals(ModelLoader.Format.HF, ModelLoader.detect(d.resolve("hf-gpt2")));
        assertEquals(ModelLoader.Format.HF, ModelLoader.detect(d.resolve("hf-llama-sharded")));
        assertEquals(ModelLoader.Format.LLAMA2C, ModelLoader.detect(d.resolve("llama2c/model.bin")));
        JgradCheckpoint.save(tmp.resolve("j"), ModelGoldens.gpt());
        assertEquals(ModelLoader.Format.JGRAD, ModelLoader.detect(tmp.resolve("j")));

        ModelLoader.Loaded l2c = ModelLoader.load(d.resolve("llama2c/model.bin"));
        assertArrayEquals(new int[] {1}, l2c.stopTokens(), "llama2.c stops at BOS, as run.c");
        assertEquals(null, l2c.tokenizer());
        ModelLoader.Loaded hf = ModelLoader.load(d.resolve("hf-llama-sharded"));
        assertArrayEquals(new int[] {2}, hf.stopTokens());
        assertTrue(hf.addBos());
        assertEquals(1, hf.bosId());
        ModelLoader.Loaded gpt = ModelLoader.load(d.resolve("hf-gpt2"), ModelLoader.Format.HF, null);
        assertFalse(gpt.addBos());
        assertArrayEquals(new int[] {63}, gpt.stopTokens());
        assertInstanceOf(GptModel.class, ModelLoader.load(tmp.resolve("j")).model());
        assertTrue(Arrays.equals(new int[0], ModelLoader.load(tmp.resolve("j")).stopTokens()));
    }
}
