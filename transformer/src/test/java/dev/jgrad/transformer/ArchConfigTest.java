package dev.jgrad.transformer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.ops.Rope;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.checkpoint.CheckpointFormatException;
import dev.jgrad.transformer.checkpoint.ModelConfigs;
import dev.jgrad.transformer.llama.LlamaModel;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Qwen2, Mistral and LLaMA 3.1 configurations: the published {@code config.json} of real checkpoints parse to
 * the right switches and parameter counts, configs round-trip through HF's and jgrad's JSON, unsupported variants
 * are refused by name, LLaMA 3.1's frequency remapping gives the hand-computed values, and a 128,256-token
 * vocabulary trains.
 */
class ArchConfigTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path FILE = Path.of("config.json");

    static LlamaConfig parse(String json) throws Exception {
        return (LlamaConfig) ModelConfigs.fromHuggingFace(JSON.readTree(json), FILE);
    }

    @Test
    void qwen25HalfBillionConfigHasBiasesTiedHeadAndItsPublishedSize() throws Exception {
        LlamaConfig c = parse("""
                {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896,
                 "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
                 "num_key_value_heads": 2, "vocab_size": 151936, "max_position_embeddings": 32768,
                 "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "tie_word_embeddings": true, "hidden_act": "silu",
                 "use_sliding_window": false, "sliding_window": 32768, "max_window_layers": 21, "rope_scaling": null}
                """);
        assertTrue(c.attentionBias());
        assertTrue(c.tieEmbeddings());
        assertEquals(0, c.slidingWindow());
        assertEquals(1e6, c.ropeTheta());
        assertEquals(494_032_768L, c.parameterCount());   // Qwen2.5-0.5B's model card
    }

    @Test
    void mistral7bConfigHasItsWindowAndPublishedSize() throws Exception {
        LlamaConfig c = parse("""
                {"architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_size": 4096,
                 "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
                 "num_key_value_heads": 8, "vocab_size": 32000, "max_position_embeddings": 32768,
                 "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 4096, "tie_word_embeddings": false,
                 "hidden_act": "silu"}
                """);
        assertEquals(4096, c.slidingWindow());
        assertEquals(false, c.attentionBias());
        assertEquals(7_241_732_096L, c.parameterCount());   // Mistral-7B-v0.1
        String noWindow = "{\"model_type\": \"mistral\", \"hidden_size\": 32, \"intermediate_size\": 64,"
                + " \"num_hidden_layers\": 1, \"num_attention_heads\": 4, \"vocab_size\": 10,"
                + " \"max_position_embeddings\": 16, \"sliding_window\": null}";
        assertEquals(0, parse(noWindow).slidingWindow());              // Mistral 7B v0.2 and later
        assertEquals(4096, parse(noWindow.replace(", \"sliding_window\": null", "")).slidingWindow()); // HF's default
    }

    @Test
    void llama31ConfigHasItsRopeScalingAndPublishedSize() throws Exception {
        LlamaConfig c = parse("""
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
                 "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
                 "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 131072,
                 "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": false,
                 "attention_bias": false, "mlp_bias": false, "hidden_act": "silu",
                 "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                  "original_max_position_embeddings": 8192, "rope_type": "llama3"}}
                """);
        assertEquals(new RopeScaling(8, 1, 4, 8192), c.ropeScaling());
        assertEquals(8_030_261_248L, c.parameterCount());   // Llama-3.1-8B
    }

    @Test
    void unsupportedVariantsAreRefusedByName() {
        String base = "{\"model_type\": \"%s\", \"hidden_size\": 32, \"intermediate_size\": 64, \"num_hidden_layers\": 1,"
                + " \"num_attention_heads\": 4, \"vocab_size\": 10, \"max_position_embeddings\": 16%s}";
        var e = assertThrows(CheckpointFormatException.class,
                () -> parse(base.formatted("qwen2", ", \"use_sliding_window\": true")));
        assertTrue(e.getMessage().contains("use_sliding_window"), e.getMessage());
        e = assertThrows(CheckpointFormatException.class, () -> parse(base.formatted("llama",
                ", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}")));
        assertTrue(e.getMessage().contains("only rope_type llama3"), e.getMessage());
        e = assertThrows(CheckpointFormatException.class, () -> parse(base.formatted("llama",
                ", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 4.0,"
                        + " \"high_freq_factor\": 1.0, \"original_max_position_embeddings\": 8192}")));
        assertTrue(e.getMessage().contains("low_freq_factor < high_freq_factor"), e.getMessage());
        e = assertThrows(CheckpointFormatException.class, () -> parse(base.formatted("mistral", ", \"sliding_window\": 0")));
        assertTrue(e.getMessage().contains("sliding_window must be a positive integer or null"), e.getMessage());
        e = assertThrows(CheckpointFormatException.class, () -> parse(base.formatted("gemma2", "")));
        assertTrue(e.getMessage().contains("gpt2, llama, qwen2 or mistral"), e.getMessage());
    }

    @Test
    void configsRoundTripThroughHuggingFaceAndJgradJson() throws Exception {
        for (String which : new String[] {"qwen2", "mistral", "llama3"}) {
            LlamaConfig c = ArchParityTest.config(which);
            JsonNode hf = ModelConfigs.toHuggingFace(c);
            assertEquals(c, ModelConfigs.fromHuggingFace(JSON.readTree(hf.toString()), FILE), which + " via HF");
            JsonNode jgrad = JSON.readTree(JSON.writeValueAsString(ModelConfigs.toJgrad(c)));
            assertEquals(c, ModelConfigs.fromJgrad(jgrad, FILE), which + " via jgrad's form");
        }
        assertEquals("Qwen2ForCausalLM", ModelConfigs.toHuggingFace(ArchParityTest.config("qwen2")).get("architectures").get(0).asText());
        assertEquals(5, ModelConfigs.toHuggingFace(ArchParityTest.config("mistral")).get("sliding_window").asInt());
        assertNull(parse(ModelConfigs.toHuggingFace(ModelGoldens.LLAMA).toString()).ropeScaling());
    }

    @Test
    void llama3FrequenciesFollowTheThreeBands() {
        // θ 10⁴, head dim 8: f = 1, 0.1, 0.01, 0.001 with wavelengths 2π/f = 6.28, 62.8, 628, 6283.
        // original 100, low 1, high 4: keep below 100/4 = 25, divide by 8 above 100/1 = 100, blend between.
        double[] f = new RopeScaling(8, 1, 4, 100).inverseFrequencies(10000, 8);
        double s = (100 / (2 * Math.PI / 0.1) - 1) / (4 - 1);      // 0.19718...
        assertArrayEquals(new double[] {1, (1 - s) * 0.1 / 8 + s * 0.1, 0.01 / 8, 0.001 / 8}, f, 1e-15);
        assertEquals(0.0297536, f[1], 1e-7);
    }

    @Test
    void scalingByOneIsTheFusedRopeOpInBothPairings() {
        // factor 1 leaves every frequency unchanged, so the tensor-op rotation must equal the fused kernel's,
        // forward and backward, for both pairings (PyTorch's reference covers only HF's halves).
        RopeScaling identity = new RopeScaling(1, 1, 4, 64);
        for (RopeStyle style : RopeStyle.values()) {
            Tensor x = Tensor.randn(new Generator(11), 2, 3, 7, 8).to(DType.F64).requiresGrad(true);
            Tensor y = Tensor.randn(new Generator(11), 2, 3, 7, 8).to(DType.F64).requiresGrad(true);   // the same values
            Tensor w = Tensor.randn(new Generator(12), 2, 3, 7, 8).to(DType.F64);
            Tensor a = identity.apply(x, 5, 10000, style), b = Rope.apply(y, 5, 10000, style);
            ModelGoldens.assertClose(style + " forward", b, a, 1e-12);
            a.mul(w).sum().backward();
            b.mul(w).sum().backward();
            ModelGoldens.assertClose(style + " backward", y.grad(), x.grad(), 1e-12);
        }
    }

    @Test
    void aLlama3VocabularyOf128256TokensTrains() {
        LlamaConfig c = LlamaConfig.builder().vocabSize(128256).dim(16).layers(1).heads(2).kvHeads(1).hiddenDim(32)
                .rmsNormEps(1e-5).ropeTheta(500000).ropeScaling(new RopeScaling(8, 1, 4, 8192)).maxSeqLen(32).build();
        LlamaModel m = new LlamaModel(c, new Generator(2));
        Tensor ids = Tensor.of(new long[] {128000, 5, 128255, 77, 128001}, 1, 5);
        Tensor targets = Tensor.of(new long[] {5, 128255, 77, 128001, 128009}, 1, 5);
        Tensor logits = m.forward(ids);
        assertArrayEquals(new int[] {1, 5, 128256}, logits.shape());
        Tensor loss = CausalLM.lossFrom(logits, targets);
        // N(0, 0.02) weights give nearly uniform predictions: the loss is close to ln 128256 = 11.76.
        assertEquals(Math.log(128256), loss.item(), 0.05);
        loss.backward();
        Tensor embGrad = m.namedParameters().get("model.embed_tokens.weight").grad();
        double highest = 0, unused = 0;
        for (int e = 0; e < 16; e++) {
            highest += Math.abs(embGrad.get(128255, e));
            unused += Math.abs(embGrad.get(1000, e));
        }
        assertTrue(highest > 0, "the last token id gets an embedding gradient");
        assertEquals(0, unused, "an unused token id gets none");
    }
}
