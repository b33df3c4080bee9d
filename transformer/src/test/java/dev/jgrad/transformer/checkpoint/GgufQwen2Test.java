package dev.jgrad.transformer.checkpoint;

import dev.jgrad.core.Generator;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.gguf.GgufFile;
import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.ModelGoldens;
import dev.jgrad.transformer.chat.ChatMessage;
import dev.jgrad.transformer.chat.ChatTemplate;
import dev.jgrad.transformer.llama.LlamaModel;
import dev.jgrad.transformer.tokenizer.ByteLevelBpeTokenizer;
import dev.jgrad.transformer.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.jgrad.transformer.checkpoint.CheckpointImportTest.logits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Qwen2 through GGUF ({@code qwen2} architecture, as llama.cpp's converter writes it): the HF fixture of {@code
 * make_arch_goldens.py} exported and reloaded gives bit-identical logits at F32, with llama.cpp's names, keys and
 * unpermuted (rotate-half) q/k rows; an interleaved model with biases is permuted on the way out; Qwen2's
 * tokenizer travels as {@code tokenizer.ggml.pre = "qwen2"}; and a file's {@code tokenizer.chat_template} reaches
 * {@link ChatTemplate#forModel}.
 */
class GgufQwen2Test {

    @TempDir
    Path tmp;

    private static final Tensor IDS = Tensor.of(new long[] {1, 5, 9, 30, 2, 7, 7, 11, 63, 0}, 1, 10);

    @Test
    void theHuggingFaceQwen2FixtureRoundTripsThroughF32ToIdenticalLogits() throws Exception {
        CausalLM hf = HfCheckpoint.load(ModelGoldens.dir().resolve("hf-qwen2"));
        LlamaConfig c = (LlamaConfig) hf.config();
        assertTrue(c.attentionBias() && c.tieEmbeddings() && c.ropeStyle() == RopeStyle.HALF, c.toString());
        Path f = tmp.resolve("qwen2.gguf");
        GgufCheckpoint.save(hf, null, null, GgufType.F32, "qwen2", f);
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals("qwen2", g.get("general.architecture").asString());
            assertEquals(c.dim(), g.get("qwen2.embedding_length").asInt());
            assertEquals(c.nKvHeads(), g.get("qwen2.attention.head_count_kv").asInt());
            assertEquals(1e6, g.get("qwen2.rope.freq_base").asDouble());
            assertNull(g.get("llama.embedding_length"));
            assertFalse(g.contains("output.weight"), "a tied head has no output tensor");
            assertArrayEquals(new long[] {c.kvDim()}, g.tensor("blk.1.attn_k.bias").ne());
            assertArrayEquals(new long[] {c.dim()}, g.tensor("blk.0.attn_q.bias").ne());
            Map<String, Tensor> p = hf.namedParameters();
            // llama.cpp runs qwen2 with NeoX (rotate-half) RoPE: q/k rows and biases are Hugging Face's, unpermuted
            for (String[] n : new String[][] {{"blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight"},
                    {"blk.0.attn_q.bias", "model.layers.0.self_attn.q_proj.bias"},
                    {"blk.1.attn_k.bias", "model.layers.1.self_attn.k_proj.bias"},
                    {"blk.1.attn_v.bias", "model.layers.1.self_attn.v_proj.bias"}})
                assertArrayEquals(p.get(n[1]).toFloatArray(), g.readFloats(n[0]), n[0]);
        }
        ModelLoader.Loaded back = ModelLoader.load(f);
        assertEquals(c, back.model().config());
        assertArrayEquals(logits(hf, IDS).toFloatArray(), logits(back.model(), IDS).toFloatArray());
    }

    @Test
    void anInterleavedModelWithBiasesIsPermutedToQwen2sHalves() throws Exception {
        LlamaConfig c = LlamaConfig.builder().vocabSize(64).dim(32).layers(1).heads(4).kvHeads(2).hiddenDim(48)
                .maxSeqLen(16).ropeStyle(RopeStyle.INTERLEAVED).attentionBias(true).build();
        LlamaModel m = new LlamaModel(c, new Generator(3));
        Generator gen = new Generator(4);
        try (NoGrad ignored = NoGrad.enter()) {                            // biases start at zero: make them count
            for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet())
                if (e.getKey().endsWith(".bias")) e.getValue().copyFrom(Tensor.randn(gen, e.getValue().shape()));
        }
        Path f = tmp.resolve("interleaved.gguf");
        GgufCheckpoint.save(m, null, null, GgufType.F32, "x", f);
        CausalLM back = ModelLoader.load(f).model();
        assertEquals(RopeStyle.HALF, ((LlamaConfig) back.config()).ropeStyle());
        ModelGoldens.assertClose("interleaved → qwen2 → half", logits(m, IDS), logits(back, IDS), 1e-5);
    }

    @Test
    void qwen2sTokenizerTravelsAsQwen2AndTheChatTemplateReachesForModel() throws Exception {
        Path json = tmp.resolve("tokenizer.json");
        Files.copy(Path.of(GgufQwen2Test.class.getResource("/tokenizer/qwen2-style.tokenizer.json").toURI()), json);
        ByteLevelBpeTokenizer tok = (ByteLevelBpeTokenizer) Tokenizer.load(json);
        assertEquals(ByteLevelBpeTokenizer.PreTokenizer.QWEN2, tok.preTokenizer());
        LlamaConfig c = LlamaConfig.builder().vocabSize(tok.vocabSize()).dim(32).layers(1).heads(2).kvHeads(1)
                .hiddenDim(48).maxSeqLen(16).attentionBias(true).tieEmbeddings(true).build();
        Path plain = tmp.resolve("plain.gguf"), f = tmp.resolve("tok.gguf");
        LlamaModel model = new LlamaModel(c, new Generator(1));
        GgufCheckpoint.save(model, tok, null, GgufType.F32, "tok", plain);
        String jinja = "{% for m in messages %}<{{ m.role }}>{{ m.content }}{{ eos_token }}{% endfor %}";
        GgufCheckpoint.save(model, tok, jinja, GgufType.F32, "tok", f);
        ModelLoader.Loaded back = ModelLoader.load(f);
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals("qwen2", g.get("tokenizer.ggml.pre").asString());
            assertEquals(jinja, g.get("tokenizer.chat_template").asString(), "llama.cpp's key");
        }
        for (String s : new String[] {"12345 apples", "caf" + "e\u0301 au lait", "Hello,\n\n  world!"})
            assertArrayEquals(tok.encode(s), back.tokenizer().encode(s), s);
        assertEquals(jinja, back.chatTemplate());
        assertNull(ModelLoader.load(plain).chatTemplate());
        ChatTemplate t = ChatTemplate.forModel(back.tokenizer(), null, back.chatTemplate(), f);
        String eos = tok.piece(tok.eosId());
        assertEquals("<user>Hi" + eos, t.render(List.of(ChatMessage.user("Hi")), false));
        assertEquals(ChatTemplate.Format.CHATML.source(), ChatTemplate.forModel(back.tokenizer(), "chatml", back.chatTemplate(), f)
                .source(), "a named template still wins");
    }
}
