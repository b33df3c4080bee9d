package dev.jgrad.transformer;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.nn.Linear;
import dev.jgrad.transformer.checkpoint.Models;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.transformer.llama.LlamaModel;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configs: published parameter counts, llama2.c's hidden-size rule, validation, and the models' module paths. */
class ConfigTest {

    @Test
    void gpt2SmallHasItsPublished124MParameters() {
        // Hugging Face's gpt2 reports 124,439,808 parameters (num_parameters(), tied head counted once).
        assertEquals(124_439_808L, GptConfig.gpt2Small().parameterCount());
    }

    @Test
    void llama2cHiddenSizesFollowRunCsRule() {
        // Hand-computed from multiple_of·ceil(int(2·4·dim/3)/multiple_of): the sizes of llama2.c's models and LLaMA-2 7B.
        assertEquals(768, LlamaConfig.stories15M().hiddenDim());
        assertEquals(1376, LlamaConfig.stories42M().hiddenDim());
        assertEquals(2048, LlamaConfig.stories110M().hiddenDim());
        assertEquals(11008, LlamaConfig.llama2cHiddenDim(4096, 256));
        // 6·288·(4·288 + 3·768) + ... by hand: 15,191,712 for stories15M (tied head).
        assertEquals(15_191_712L, LlamaConfig.stories15M().parameterCount());
    }

    @Test
    void gptBuilderDefaultsAreHuggingFacesGpt2Config() {
        // GPT2Config(): vocab_size 50257, n_positions 1024, n_embd 768, n_layer 12, n_head 12,
        // layer_norm_epsilon 1e-5, activation_function "gelu_new", tied; 124,439,808 parameters.
        GptConfig c = GptConfig.builder().build();
        assertEquals(new GptConfig(50257, 1024, 768, 12, 12, 0.0, true, 1e-5, true, true), c);
        assertEquals(124_439_808L, c.parameterCount());
    }

    @Test
    void gptBuilderSetsEachFieldByName() {
        GptConfig c = GptConfig.builder().vocabSize(65).blockSize(64).dim(96).layers(3).heads(6).dropout(0.2)
                .bias(false).layerNormEps(1e-6).tieEmbeddings(false).geluTanh(false).build();
        assertEquals(new GptConfig(65, 64, 96, 3, 6, 0.2, false, 1e-6, false, false), c);
    }

    @Test
    void llamaBuilderDefaultsAreHuggingFacesLlamaConfig() {
        // LlamaConfig(): 32000, hidden 4096, intermediate 11008, 32 layers, 32 heads, kv heads = heads,
        // rms_norm_eps 1e-6, rope_theta 10000, 2048 positions, untied: LLaMA-2 7B's 6,738,415,616 parameters.
        LlamaConfig c = LlamaConfig.builder().build();
        assertEquals(new LlamaConfig(32000, 4096, 32, 32, 32, 11008, 1e-6, 10000, RopeStyle.HALF, 2048, false), c);
        assertEquals(6_738_415_616L, c.parameterCount());
    }

    @Test
    void llamaBuilderDerivesKvHeadsAndHiddenWidthFromWhatIsSet() {
        // Meta's rule for dim 256 with multiple_of 256: 256·ceil(int(2·4·256/3)/256) = 256·ceil(682/256) = 768.
        LlamaConfig c = LlamaConfig.builder().vocabSize(1024).dim(256).layers(6).heads(8).build();
        assertEquals(new LlamaConfig(1024, 256, 6, 8, 8, 768, 1e-6, 10000, RopeStyle.HALF, 2048, false), c);
        LlamaConfig all = LlamaConfig.builder().vocabSize(40).dim(32).layers(3).heads(8).kvHeads(1).hiddenDim(96)
                .rmsNormEps(1e-5).ropeTheta(500000).ropeStyle(RopeStyle.INTERLEAVED).maxSeqLen(64)
                .tieEmbeddings(true).build();
        assertEquals(new LlamaConfig(40, 32, 3, 8, 1, 96, 1e-5, 500000, RopeStyle.INTERLEAVED, 64, true), all);
    }

    @Test
    void buildersRejectInconsistentValuesAtBuild() {
        GptConfig.Builder gpt = GptConfig.builder().dim(100).heads(12);   // setting is fine, building is not
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, gpt::build);
        assertTrue(e.getMessage().contains("nEmbd 100 is not a multiple of nHead 12"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.builder().heads(32).kvHeads(3).build());
        assertTrue(e.getMessage().contains("nHeads 32 is not a multiple of nKvHeads 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.builder().dim(0).build());
        assertTrue(e.getMessage().contains("dim must be positive"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GptConfig.builder().dropout(1.0).build());
        assertTrue(e.getMessage().contains("dropout"), e.getMessage());
    }

    @Test
    void parameterCountsAndShapesMatchTheBuiltModels() {
        Record[] configs = {
                new GptConfig(50, 16, 24, 3, 4, 0.1, true, 1e-5, true, true),
                new GptConfig(50, 16, 24, 2, 2, 0.0, false, 1e-5, false, false),
                new LlamaConfig(40, 32, 2, 4, 2, 80, 1e-6, 10000, RopeStyle.HALF, 64, false),
                new LlamaConfig(40, 32, 3, 8, 1, 96, 1e-5, 10000, RopeStyle.INTERLEAVED, 64, true)};
        for (Record c : configs) {
            CausalLM m = Models.create(c, new Generator(1));
            long expected = c instanceof GptConfig g ? g.parameterCount() : ((LlamaConfig) c).parameterCount();
            assertEquals(expected, m.numParameters(), c.toString());
            Map<String, int[]> shapes = Models.parameterShapes(c);
            Map<String, Tensor> params = m.namedParameters();
            assertEquals(shapes.keySet(), params.keySet(), c.toString());
            shapes.forEach((k, s) -> assertTrue(Arrays.equals(s, params.get(k).shape()), k));
        }
    }

    @Test
    void modulePathsAreHuggingFaces() {
        GptModel gpt = new GptModel(new GptConfig(50, 16, 24, 2, 4, 0.0, true, 1e-5, true, true), new Generator(1));
        for (String p : new String[] {"transformer.wte", "transformer.wpe", "transformer.h.1.ln_1", "transformer.h.1.attn.c_attn",
                "transformer.h.1.attn.c_proj", "transformer.h.1.ln_2", "transformer.h.1.mlp.c_fc", "transformer.h.1.mlp.c_proj",
                "transformer.ln_f", "lm_head"})
            assertTrue(gpt.namedModules().containsKey(p), p);
        assertInstanceOf(TiedHead.class, gpt.module("lm_head"));
        LlamaModel llama = new LlamaModel(new LlamaConfig(40, 32, 2, 4, 2, 80, 1e-6, 10000, RopeStyle.HALF, 64, false), new Generator(1));
        for (String p : new String[] {"model.embed_tokens", "model.layers.1.input_layernorm", "model.layers.1.self_attn.q_proj",
                "model.layers.1.self_attn.k_proj", "model.layers.1.self_attn.v_proj", "model.layers.1.self_attn.o_proj",
                "model.layers.1.post_attention_layernorm", "model.layers.1.mlp.gate_proj", "model.layers.1.mlp.up_proj",
                "model.layers.1.mlp.down_proj", "model.norm", "lm_head"})
            assertTrue(llama.namedModules().containsKey(p), p);
        assertInstanceOf(Linear.class, llama.module("lm_head"));
    }

    @Test
    void aReplacedProjectionIsUsedByTheBlock() {
        LlamaModel m = new LlamaModel(new LlamaConfig(40, 32, 1, 4, 2, 80, 1e-6, 10000, RopeStyle.HALF, 64, false), new Generator(1));
        Tensor ids = CausalLM.ids(new int[] {1, 2, 3});
        float[] before = m.forward(ids).toFloatArray();
        Linear down = (Linear) m.module("model.layers.0.mlp.down_proj");
        // A stand-in for a LoRA or 4-bit layer: any Module implementing Forward.
        class Zero extends dev.jgrad.nn.Module implements dev.jgrad.nn.Forward {
            @Override
            public Tensor forward(Tensor x) {
                return down.forward(x).mul(0.0);
            }
        }
        m.replaceModule("model.layers.0.mlp.down_proj", new Zero());
        float[] after = m.forward(ids).toFloatArray();
        assertTrue(!Arrays.equals(before, after), "the replacement changed the output");
    }

    @Test
    void gptDropoutActsOnlyInTraining() throws Exception {
        GptModel plain = ModelGoldens.gpt();
        GptModel dropped = new GptModel(ModelGoldens.GPT.withDropout(0.2), new Generator(5));
        dropped.loadStateDict(plain.stateDict(), true);
        Tensor ids = ModelGoldens.read("gpt").get("ids");
        float[] reference = plain.eval().forward(ids).toFloatArray();
        assertTrue(Arrays.equals(reference, dropped.eval().forward(ids).toFloatArray()), "eval mode: no dropout");
        dropped.train();
        float[] a = dropped.forward(ids).toFloatArray(), b = dropped.forward(ids).toFloatArray();
        assertTrue(!Arrays.equals(a, b), "training mode: fresh masks on every call");
        assertTrue(!Arrays.equals(a, reference));
        Tensor loss = dropped.loss(ids, ModelGoldens.read("gpt").get("targets"));
        loss.backward();
        assertTrue(dropped.namedParameters().values().stream().allMatch(p -> p.grad() != null), "every parameter gets a gradient");
    }

    @Test
    void invalidConfigsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> new GptConfig(50, 16, 30, 2, 4, 0, true, 1e-5, true, true));
        assertTrue(e.getMessage().contains("nEmbd 30 is not a multiple of nHead 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LlamaConfig(40, 32, 2, 4, 3, 80, 1e-6, 1e4, RopeStyle.HALF, 64, false));
        assertTrue(e.getMessage().contains("nHeads 4 is not a multiple of nKvHeads 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LlamaConfig(40, 36, 2, 4, 2, 80, 1e-6, 1e4, RopeStyle.HALF, 64, false));
        assertTrue(e.getMessage().contains("head dimension 9 must be even"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new GptConfig(50, 16, 32, 2, 4, 1.0, true, 1e-5, true, true));
        assertTrue(e.getMessage().contains("dropout"), e.getMessage());
    }
}
