package dev.jgrad.transformer.checkpoint;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.gguf.GgufBlocks;
import dev.jgrad.core.io.gguf.GgufFile;
import dev.jgrad.core.io.gguf.GgufFormatException;
import dev.jgrad.core.io.gguf.GgufQuantizer;
import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.core.io.gguf.GgufValue;
import dev.jgrad.core.io.gguf.GgufWriter;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GgufLinear;
import dev.jgrad.transformer.LinearFactory;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.ModelGoldens;
import dev.jgrad.transformer.llama.LlamaModel;
import dev.jgrad.transformer.tokenizer.SentencePieceBpeTokenizer;
import dev.jgrad.transformer.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.jgrad.transformer.checkpoint.CheckpointImportTest.logits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LLaMA models through GGUF: the converter's layout (names, [in, out] dimensions, q/k rows in Meta's interleaved
 * order, metadata), round trips at every type jgrad writes, the tokenizer from metadata, and files jgrad cannot run.
 */
class GgufCheckpointTest {

    @TempDir
    Path tmp;

    @Test
    void anInterleavedModelRoundTripsThroughF32ToIdenticalLogits() throws Exception {
        Map<String, Tensor> g = ModelGoldens.read("llama");
        LlamaModel meta = Llama2cCheckpoint.load(ModelGoldens.dir().resolve("llama2c/model.bin"));
        Path f = tmp.resolve("m.gguf");
        GgufCheckpoint.save(meta, null, null, GgufType.F32, "golden", f);
        ModelLoader.Loaded back = ModelLoader.load(f);
        assertEquals(ModelLoader.Format.GGUF, back.format());
        assertEquals(meta.config(), back.model().config());
        assertArrayEquals(logits(meta, g.get("ids")).toFloatArray(), logits(back.model(), g.get("ids")).toFloatArray());
        ModelGoldens.assertClose("GGUF logits vs PyTorch", g.get("logits"), logits(back.model(), g.get("ids")), 1e-4);
    }

    @Test
    void aHuggingFaceModelIsWrittenInTheConvertersLayout() throws Exception {
        Map<String, Tensor> g = ModelGoldens.read("llama");
        LlamaModel hf = ModelGoldens.llama();                              // rotate-half q/k rows
        LlamaModel meta = Llama2cCheckpoint.load(ModelGoldens.dir().resolve("llama2c/model.bin"));   // the same weights, Meta's order
        Path f = tmp.resolve("hf.gguf");
        GgufCheckpoint.save(hf, null, null, GgufType.F32, "golden", f);
        LlamaConfig c = ModelGoldens.LLAMA;
        try (GgufFile file = GgufFile.open(f)) {
            assertEquals("llama", file.get("general.architecture").asString());
            assertEquals(c.dim(), file.get("llama.embedding_length").asInt());
            assertEquals(c.nLayers(), file.get("llama.block_count").asInt());
            assertEquals(c.hiddenDim(), file.get("llama.feed_forward_length").asInt());
            assertEquals(c.nHeads(), file.get("llama.attention.head_count").asInt());
            assertEquals(c.nKvHeads(), file.get("llama.attention.head_count_kv").asInt());
            assertEquals(c.headDim(), file.get("llama.rope.dimension_count").asInt());
            assertEquals(GgufValue.Type.UINT32, file.get("llama.context_length").type());
            assertEquals(GgufValue.Type.FLOAT32, file.get("llama.rope.freq_base").type());
            assertEquals(0, file.get("general.file_type").asInt());
            assertArrayEquals(new long[] {c.dim(), c.vocabSize()}, file.tensor("token_embd.weight").ne());
            assertArrayEquals(new long[] {c.dim(), c.kvDim()}, file.tensor("blk.1.attn_k.weight").ne());
            assertArrayEquals(new long[] {c.hiddenDim(), c.dim()}, file.tensor("blk.0.ffn_down.weight").ne());
            assertArrayEquals(new long[] {c.dim(), c.vocabSize()}, file.tensor("output.weight").ne());
            // q and k rows in Meta's interleaved order: exactly the llama2.c file's weights
            for (String[] n : new String[][] {{"blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight"},
                    {"blk.1.attn_k.weight", "model.layers.1.self_attn.k_proj.weight"},
                    {"blk.1.ffn_gate.weight", "model.layers.1.mlp.gate_proj.weight"}})
                assertArrayEquals(meta.namedParameters().get(n[1]).toFloatArray(), file.readFloats(n[0]), n[0]);
        }
        CausalLM back = ModelLoader.load(f).model();
        ModelGoldens.assertClose("HF model through GGUF", g.get("logits"), logits(back, g.get("ids")), 1e-4);
    }

    /**
     * Files from llama.cpp's own writer (gguf-py, as convert_hf_to_gguf.py uses it; {@code
     * src/test/scripts/make_gguf_py_goldens.py}) holding the PyTorch golden LLaMA: the F32 file gives PyTorch's
     * logits; the BF16 file, run with its weights in their blocks, gives the logits of the golden model whose 2-D
     * weights are rounded to bfloat16 here (gguf-py's rounding and jgrad's agree).
     */
    @Test
    void filesFromLlamaCppsWriterGiveThePyTorchLogits() throws Exception {
        Map<String, Tensor> g = ModelGoldens.read("llama");
        Path dir = ModelGoldens.dir().resolve("gguf-py");
        CausalLM f32 = ModelLoader.load(dir.resolve("llama-f32.gguf")).model();
        assertEquals(ModelGoldens.LLAMA.withRopeStyle(RopeStyle.INTERLEAVED), f32.config());
        ModelGoldens.assertClose("gguf-py F32 file", g.get("logits"), logits(f32, g.get("ids")), 1e-4);

        LlamaModel rounded = ModelGoldens.llama();
        for (Tensor p : rounded.namedParameters().values()) {
            if (p.shape().length != 2) continue;
            float[] w = Models.data(p);
            for (int i = 0; i < w.length; i++) w[i] = dev.jgrad.core.DType.bf16ToFloat(dev.jgrad.core.DType.floatToBf16(w[i]));
        }
        CausalLM bf16 = ModelLoader.loadForInference(dir.resolve("llama-bf16.gguf"), null, null).model();
        assertEquals(GgufType.BF16, ((GgufLinear) ((LlamaModel) bf16).module("model.layers.1.mlp.up_proj")).type());
        ModelGoldens.assertClose("gguf-py BF16 file", logits(rounded, g.get("ids")), logits(bf16, g.get("ids")), 1e-5);
        assertTrue(ModelGoldens.maxRelError(g.get("logits"), logits(bf16, g.get("ids"))) > 1e-3, "the rounding is visible");
    }

    /**
     * GPT-2 from llama.cpp's writer (same script): the F32 file gives PyTorch's logits; the Q8_0 file (gguf-py's
     * reference quantizer) the logits of the golden model whose 2-D weights went through jgrad's Q8_0 encoder and
     * decoder, bit for bit when dequantized to float32.
     */
    @Test
    void gpt2FilesFromLlamaCppsWriterGiveThePyTorchLogits() throws Exception {
        Map<String, Tensor> g = ModelGoldens.read("gpt");
        Path dir = ModelGoldens.dir().resolve("gguf-py");
        CausalLM f32 = ModelLoader.load(dir.resolve("gpt2-f32.gguf")).model();
        assertEquals(ModelGoldens.GPT, f32.config());
        ModelGoldens.assertClose("gguf-py GPT-2 F32 file", g.get("logits"), logits(f32, g.get("ids")), 1e-4);

        CausalLM q8 = ModelLoader.load(dir.resolve("gpt2-q8_0.gguf")).model();
        dev.jgrad.transformer.gpt.GptModel expected = ModelGoldens.gpt();
        for (Tensor p : expected.namedParameters().values()) {
            if (p.shape().length != 2) continue;
            float[] w = Models.data(p);
            byte[] q = new byte[(int) GgufType.Q8_0.byteSize(w.length)];
            GgufQuantizer.quantize(GgufType.Q8_0, w, 0, w.length, q, 0);
            GgufBlocks.dequantize(GgufType.Q8_0, MemorySegment.ofArray(q), 0, w, 0, w.length);
        }
        expected.eval();
        assertArrayEquals(logits(expected, g.get("ids")).toFloatArray(), logits(q8, g.get("ids")).toFloatArray());
        CausalLM blocks = ModelLoader.loadForInference(dir.resolve("gpt2-q8_0.gguf"), null, null).model();
        ModelGoldens.assertClose("GPT-2 Q8_0 in blocks", logits(expected, g.get("ids")), logits(blocks, g.get("ids")), 1e-5);
    }

    @Test
    void gptModelsRoundTripAsGpt2() throws Exception {
        Map<String, Tensor> g = ModelGoldens.read("gpt");
        Tensor ids = g.get("ids");
        Path f = tmp.resolve("gpt.gguf");
        GgufCheckpoint.save(ModelGoldens.gpt(), null, null, GgufType.F32, "gpt", f);
        CausalLM back = ModelLoader.load(f).model();
        assertEquals(ModelGoldens.GPT, back.config());
        assertArrayEquals(logits(ModelGoldens.gpt(), ids).toFloatArray(), logits(back, ids).toFloatArray());
        try (GgufFile file = GgufFile.open(f); GgufFile ref = GgufFile.open(ModelGoldens.dir().resolve("gguf-py/gpt2-f32.gguf"))) {
            // the same tensors, names, dimensions and values as llama.cpp's writer gave the same model
            assertEquals(ref.tensors().size(), file.tensors().size());
            for (GgufFile.TensorInfo t : ref.tensors()) {
                assertArrayEquals(t.ne(), file.tensor(t.name()).ne(), t.name());
                assertArrayEquals(ref.readFloats(t.name()), file.readFloats(t.name()), t.name());
            }
            for (String key : ref.metadata().keySet())
                if (key.startsWith("gpt2.")) assertEquals(ref.get(key), file.get(key), key);
        }
        // a GPT without biases gets zero biases (llama.cpp's gpt2 requires them): the same function
        dev.jgrad.transformer.gpt.GptModel noBias = new dev.jgrad.transformer.gpt.GptModel(
                new dev.jgrad.transformer.GptConfig(64, 32, 32, 2, 4, 0.0, false, 1e-5, false, true), new Generator(5));
        noBias.eval();
        GgufCheckpoint.save(noBias, null, null, GgufType.F32, "nb", tmp.resolve("nb.gguf"));
        CausalLM nb = ModelLoader.load(tmp.resolve("nb.gguf")).model();
        assertArrayEquals(logits(noBias, ids).toFloatArray(), logits(nb, ids).toFloatArray());
    }

    /** The model with every 2-D weight passed through {@code type}'s encoder and decoder. */
    private static LlamaModel rounded(LlamaModel m, GgufType type) {
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
            if (e.getValue().shape().length != 2) continue;
            float[] w = Models.data(e.getValue());
            byte[] q = new byte[(int) type.byteSize(w.length)];
            GgufQuantizer.quantize(type, w, 0, w.length, q, 0);
            GgufBlocks.dequantize(type, MemorySegment.ofArray(q), 0, w, 0, w.length);
        }
        return m;
    }

    @Test
    void everyWrittenTypeLoadsAsTheRoundedModel() throws Exception {
        Map<String, Tensor> g = ModelGoldens.read("llama");
        // rows of 48 (dim) are not whole Q8_0/Q4_0 blocks: a model with dims in multiples of 32 instead
        LlamaConfig c = new LlamaConfig(96, 64, 2, 4, 2, 128, 1e-5, 10000, RopeStyle.INTERLEAVED, 32, false);
        Tensor ids = g.get("ids");
        LlamaModel f32 = new LlamaModel(c, new Generator(11));
        f32.eval();
        Tensor reference = logits(f32, ids);
        // a priori bounds on the relative L2 error of the logits: F16/BF16 round each weight by 2^-11/2^-8,
        // Q8_0 by half a step of amax/127, Q4_0 by up to one step of amax/8
        Map<GgufType, Double> bound = Map.of(GgufType.F16, 1e-3, GgufType.BF16, 1e-2, GgufType.Q8_0, 2e-2, GgufType.Q4_0, 0.25);
        for (GgufType t : new GgufType[] {GgufType.F16, GgufType.BF16, GgufType.Q8_0, GgufType.Q4_0}) {
            Path f = tmp.resolve(t + ".gguf");
            GgufCheckpoint.save(f32, null, null, t, "t", f);
            try (GgufFile file = GgufFile.open(f)) {
                assertEquals(t, file.tensor("blk.0.attn_q.weight").type());
                assertEquals(t, file.tensor("output.weight").type());
                assertEquals(GgufType.F32, file.tensor("blk.0.attn_norm.weight").type(), "norms stay F32");
                assertEquals(GgufCheckpoint.fileType(t), file.get("general.file_type").asInt());
            }
            CausalLM back = ModelLoader.load(f).model();
            LlamaModel expected = rounded(new LlamaModel(c, new Generator(11)), t);
            expected.eval();
            assertArrayEquals(logits(expected, ids).toFloatArray(), logits(back, ids).toFloatArray(), t.toString());
            double err = relL2(reference.toFloatArray(), logits(back, ids).toFloatArray());
            assertTrue(err < bound.get(t) && err > 0, t + ": relative L2 error " + err);
        }
    }

    @Test
    void forInferenceTheLinearWeightsStayInTheirBlocks() throws Exception {
        Tensor ids = ModelGoldens.read("llama").get("ids");
        LlamaConfig c = new LlamaConfig(96, 64, 2, 4, 2, 128, 1e-5, 10000, RopeStyle.HALF, 32, false);
        LlamaModel m = new LlamaModel(c, new Generator(12));
        for (GgufType t : new GgufType[] {GgufType.Q8_0, GgufType.Q4_0, GgufType.F16}) {
            Path f = tmp.resolve("inf-" + t + ".gguf");
            GgufCheckpoint.save(m, null, null, t, "t", f);
            CausalLM dense = ModelLoader.load(f).model();
            CausalLM blocks = ModelLoader.loadForInference(f, null, null).model();
            for (String layer : new String[] {"model.layers.0.self_attn.q_proj", "model.layers.1.mlp.down_proj", "lm_head"}) {
                GgufLinear q = assertInstanceOf(GgufLinear.class, ((LlamaModel) blocks).module(layer), layer);
                assertEquals(t, q.type(), layer);
                assertArrayEquals(dense.namedParameters().get(layer + ".weight").toFloatArray(), q.dequantizedWeight(), layer);
            }
            assertFalse(blocks.namedParameters().containsKey("model.layers.0.self_attn.q_proj.weight"), "no float copy");
            // the same decoded weights, summed in another order
            ModelGoldens.assertClose(t + " blocks vs dense", logits(dense, ids), logits(blocks, ids), 1e-5);
        }
    }

    private static double relL2(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += a[i] * (double) a[i];
        }
        return Math.sqrt(num / den);
    }

    @Test
    void theTokenizerTravelsInTheMetadata() throws Exception {
        SentencePieceBpeTokenizer tok = SentencePieceBpeTokenizer.load(
                Path.of(GgufCheckpointTest.class.getResource("/tokenizer/sp-bpe-tiny-bytes.model").toURI()));
        LlamaConfig c = new LlamaConfig(tok.vocabSize() + 3, 32, 1, 2, 1, 64, 1e-5, 10000, RopeStyle.INTERLEAVED, 16, true);
        Path f = tmp.resolve("tok.gguf");
        GgufCheckpoint.save(new LlamaModel(c, new Generator(1)), tok, null, GgufType.F32, "tok", f);
        ModelLoader.Loaded back = ModelLoader.load(f);
        Tokenizer t = back.tokenizer();
        assertEquals(c.vocabSize(), t.vocabSize(), "padded to the embedding with [PAD] pieces");
        assertEquals("[PAD" + tok.vocabSize() + "]", t.piece(tok.vocabSize()));
        for (String s : new String[] {"Hello world", "  two  spaces", "ünïcödé 🙂 bytes", ""})
            assertArrayEquals(tok.encode(s), t.encode(s), s);
        assertEquals(tok.bosId(), back.bosId());
        assertTrue(back.addBos());
        assertArrayEquals(new int[] {tok.eosId()}, back.stopTokens());
        try (GgufFile file = GgufFile.open(f)) {
            assertEquals("llama", file.get("tokenizer.ggml.model").asString());
            assertEquals(tok.score(7), file.get("tokenizer.ggml.scores").asArray().floats()[7]);
            int byteId = java.util.Arrays.asList(file.get("tokenizer.ggml.tokens").asArray().strings()).indexOf("<0x01>");
            assertEquals(6, file.get("tokenizer.ggml.token_type").asArray().longAt(byteId), "a byte piece has type 6");
            assertEquals(2, file.get("tokenizer.ggml.token_type").asArray().longAt(tok.unkId()), "unknown");
        }
    }

    @Test
    void filesJgradCannotRunAreRefusedWithTheReason() throws Exception {
        Path arch = tmp.resolve("gpt.gguf");
        new GgufWriter().put("general.architecture", GgufValue.string("mamba")).write(arch);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> ModelLoader.load(arch));
        assertTrue(e.getMessage().contains("\"mamba\""), e.getMessage());

        LlamaModel m = new LlamaModel(new LlamaConfig(32, 32, 1, 2, 1, 64, 1e-5, 10000, RopeStyle.INTERLEAVED, 16, true),
                new Generator(2));
        Path ok = tmp.resolve("ok.gguf");
        GgufCheckpoint.save(m, null, null, GgufType.F32, "x", ok);
        byte[] bytes = Files.readAllBytes(ok);
        Path cut = tmp.resolve("cut.gguf");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertTrue(assertThrows(GgufFormatException.class, () -> ModelLoader.load(cut)).getMessage().contains("truncated"));

        Path wrongShape = tmp.resolve("shape.gguf");
        GgufWriter w = new GgufWriter().put("general.architecture", GgufValue.string("llama"))
                .put("llama.embedding_length", GgufValue.uint32(32)).put("llama.block_count", GgufValue.uint32(1))
                .put("llama.attention.head_count", GgufValue.uint32(2)).put("llama.feed_forward_length", GgufValue.uint32(64))
                .put("llama.context_length", GgufValue.uint32(16));
        w.add("token_embd.weight", GgufType.F32, new long[] {32, 8}, () -> new float[256]);
        w.add("blk.0.attn_q.weight", GgufType.F32, new long[] {32, 16}, () -> new float[512]);
        w.write(wrongShape);
        e = assertThrows(GgufFormatException.class, () -> GgufCheckpoint.load(wrongShape, LinearFactory.FLOAT));
        assertTrue(e.getMessage().contains("blk.0.attn_q.weight") || e.getMessage().contains("has no tensor"), e.getMessage());

        w.put("llama.rope.scaling.type", GgufValue.string("linear"));
        Path scaled = tmp.resolve("scaled.gguf");
        w.write(scaled);
        e = assertThrows(GgufFormatException.class, () -> GgufCheckpoint.load(scaled, LinearFactory.FLOAT));
        assertTrue(e.getMessage().contains("RoPE scaling"), e.getMessage());

        LlamaModel llama31 = new LlamaModel(LlamaConfig.builder().vocabSize(32).dim(32).layers(1).heads(2).hiddenDim(64)
                .maxSeqLen(16).ropeScaling(new dev.jgrad.transformer.RopeScaling(8, 1, 4, 8)).build(), new Generator(2));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> GgufCheckpoint.save(llama31, null, null, GgufType.F32, "x", tmp.resolve("llama31.gguf")));
        assertTrue(refused.getMessage().contains("RoPE scaling"), refused.getMessage());
    }
}
