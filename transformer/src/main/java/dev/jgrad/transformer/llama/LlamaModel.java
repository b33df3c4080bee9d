package dev.jgrad.transformer.llama;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.nn.Embedding;
import dev.jgrad.nn.Forward;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.ModuleList;
import dev.jgrad.nn.RMSNorm;
import dev.jgrad.nn.init.Init;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.KvCache;
import dev.jgrad.transformer.LinearFactory;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.TiedHead;

/**
 * LLaMA (Touvron et al., 2023) with Hugging Face's {@code LlamaForCausalLM} module paths:
 * <pre>
 * model.embed_tokens                    Embedding (V, D)
 * model.layers.{i}.input_layernorm      RMSNorm (D)
 * model.layers.{i}.self_attn.q_proj     Linear D → H·hd        (biases on q/k/v only with attentionBias: Qwen2)
 * model.layers.{i}.self_attn.k_proj     Linear D → Hkv·hd
 * model.layers.{i}.self_attn.v_proj     Linear D → Hkv·hd
 * model.layers.{i}.self_attn.o_proj     Linear H·hd → D
 * model.layers.{i}.post_attention_layernorm  RMSNorm (D)
 * model.layers.{i}.mlp.gate_proj / up_proj   Linear D → hidden;  mlp.down_proj  Linear hidden → D
 * model.norm                            RMSNorm (D)
 * lm_head                               Linear D → V (or {@link TiedHead} on embed_tokens)
 * </pre>
 * Positions enter only through RoPE on queries and keys ({@link LlamaConfig#ropeStyle()} says which features form
 * the rotated pairs; it must match how the q/k weights were laid out).
 *
 * <p>Initialisation as HF's: every Linear and the embedding from {@code N(0, 0.02)}, biases at 0, norms at 1.
 */
public final class LlamaModel extends CausalLM {

    private final LlamaConfig config;

    public LlamaModel(LlamaConfig config) {
        this(config, Init.defaultGenerator());
    }

    public LlamaModel(LlamaConfig config, Generator gen) {
        this(config, gen, LinearFactory.FLOAT);
    }

    /**
     * A model whose linear layers (projections and an untied head) come from {@code linears}; float {@link Linear}
     * layers are initialised, others are left to the factory (a 4-bit layer waits for a loader to fill it).
     */
    public LlamaModel(LlamaConfig config, Generator gen, LinearFactory linears) {
        this.config = config;
        Backbone model = registerModule("model", new Backbone(config, gen, linears));
        if (config.tieEmbeddings()) registerModule("lm_head", new TiedHead(model.child("embed_tokens")));
        else registerModule("lm_head", LinearFactory.build(linears, "lm_head", config.dim(), config.vocabSize(), false, gen));
        for (Module m : namedModules().values()) {
            if (m instanceof Linear lin) {
                Init.normal(lin.weight(), 0, 0.02, gen);
                if (lin.bias() != null) Init.constant(lin.bias(), 0);
            }
            else if (m instanceof Embedding emb) Init.normal(emb.weight(), 0, 0.02, gen);
        }
    }

    /** The {@code model} container: embedding, blocks and the final norm. */
    public static final class Backbone extends Module {
        Backbone(LlamaConfig c, Generator gen, LinearFactory linears) {
            registerModule("embed_tokens", new Embedding(c.vocabSize(), c.dim(), gen));
            ModuleList layers = registerModule("layers", new ModuleList());
            for (int i = 0; i < c.nLayers(); i++) layers.add(new LlamaBlock(c, i, gen, linears));
            registerModule("norm", new RMSNorm(c.dim(), c.rmsNormEps(), true));
        }
    }

    /**
     * The name and shape of every parameter a model of {@code c} has, in state-dict order, computed from the
     * config alone (importers check a checkpoint against it before allocating the model).
     */
    public static java.util.Map<String, int[]> parameterShapes(LlamaConfig c) {
        var out = new java.util.LinkedHashMap<String, int[]>();
        int d = c.dim();
        out.put("model.embed_tokens.weight", new int[] {c.vocabSize(), d});
        for (int i = 0; i < c.nLayers(); i++) {
            String p = "model.layers." + i + ".";
            out.put(p + "input_layernorm.weight", new int[] {d});
            out.put(p + "self_attn.q_proj.weight", new int[] {d, d});
            if (c.attentionBias()) out.put(p + "self_attn.q_proj.bias", new int[] {d});
            out.put(p + "self_attn.k_proj.weight", new int[] {c.kvDim(), d});
            if (c.attentionBias()) out.put(p + "self_attn.k_proj.bias", new int[] {c.kvDim()});
            out.put(p + "self_attn.v_proj.weight", new int[] {c.kvDim(), d});
            if (c.attentionBias()) out.put(p + "self_attn.v_proj.bias", new int[] {c.kvDim()});
            out.put(p + "self_attn.o_proj.weight", new int[] {d, d});
            out.put(p + "post_attention_layernorm.weight", new int[] {d});
            out.put(p + "mlp.gate_proj.weight", new int[] {c.hiddenDim(), d});
            out.put(p + "mlp.up_proj.weight", new int[] {c.hiddenDim(), d});
            out.put(p + "mlp.down_proj.weight", new int[] {d, c.hiddenDim()});
        }
        out.put("model.norm.weight", new int[] {d});
        if (!c.tieEmbeddings()) out.put("lm_head.weight", new int[] {c.vocabSize(), d});
        return out;
    }

    @Override
    protected Tensor hidden(Tensor ids, KvCache cache) {
        Module model = child("model");
        Forward embed = model.child("embed_tokens"), norm = model.child("norm");
        ModuleList layers = model.child("layers");
        Tensor x = embed.forward(ids);                                   // (B, T, D)
        for (Module layer : layers) x = runBlock(layer, x, cache, ((LlamaBlock) layer)::forward);
        return norm.forward(x);                                          // (B, T, D)
    }

    @Override
    public KvCache newCache(int batch, int capacity) {
        if (capacity > config.maxSeqLen())
            throw new IllegalArgumentException("LlamaModel: a cache of " + capacity + " positions exceeds maxSeqLen "
                    + config.maxSeqLen());
        return new KvCache(config.nLayers(), batch, config.nKvHeads(), capacity, config.headDim(), parameters().get(0).device());
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int maxSequenceLength() {
        return config.maxSeqLen();
    }

    @Override
    public LlamaConfig config() {
        return config;
    }
}
