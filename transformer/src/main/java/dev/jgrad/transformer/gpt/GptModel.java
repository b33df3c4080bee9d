package dev.jgrad.transformer.gpt;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.nn.Dropout;
import dev.jgrad.nn.Embedding;
import dev.jgrad.nn.Forward;
import dev.jgrad.nn.LayerNorm;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.ModuleList;
import dev.jgrad.nn.init.Init;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.KvCache;
import dev.jgrad.transformer.LinearFactory;
import dev.jgrad.transformer.TiedHead;

/**
 * GPT-2 (Radford et al., 2019) with Hugging Face's {@code GPT2LMHeadModel} module paths, so that its state dict
 * names match HF checkpoints one to one:
 * <pre>
 * transformer.wte            Embedding (V, C)          token embedding
 * transformer.wpe            Embedding (P, C)          learned position embedding
 * transformer.drop           Dropout
 * transformer.h.{i}          {@link GptBlock}           ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj
 * transformer.ln_f           LayerNorm (C)
 * lm_head                    {@link TiedHead} on wte (or an untied Linear C → V without bias)
 * </pre>
 * Linear weights here are PyTorch's {@code (out, in)}; HF stores GPT-2's as Conv1D {@code (in, out)}, which the
 * importer transposes.
 *
 * <p>Forward: {@code x = drop(wte[ids] + wpe[pos])}, then the blocks, then {@code ln_f} and the head. With a
 * {@link KvCache} the positions continue from the cache length.
 *
 * <p>Initialisation as HF's {@code _init_weights}: Linear and Embedding weights from {@code N(0, 0.02)}, biases
 * 0, LayerNorm 1 and 0, and the projections that write into the residual stream ({@code c_proj}) from
 * {@code N(0, 0.02/√(2·nLayer))} so that the residual variance does not grow with depth.
 */
public final class GptModel extends CausalLM {

    /** Draws every dropout mask of the model; its state belongs in checkpoints for exact resumption. */
    private final Generator dropoutGenerator;

    private final GptConfig config;

    /** A model initialised from {@link Init#defaultGenerator()}. */
    public GptModel(GptConfig config) {
        this(config, Init.defaultGenerator());
    }

    /** A model initialised from {@code gen}; dropout masks are drawn from a generator split off it. */
    public GptModel(GptConfig config, Generator gen) {
        this(config, gen, LinearFactory.FLOAT);
    }

    /**
     * A model whose linear layers (c_attn, c_proj, c_fc and an untied head) come from {@code linears}; float
     * {@link Linear} layers are initialised, others are left to the factory.
     */
    public GptModel(GptConfig config, Generator gen, LinearFactory linears) {
        this.config = config;
        Generator dropoutGen = gen.split();
        this.dropoutGenerator = dropoutGen;
        Transformer t = registerModule("transformer", new Transformer(config, gen, dropoutGen, linears));
        if (config.tieEmbeddings()) registerModule("lm_head", new TiedHead(t.child("wte")));
        else registerModule("lm_head", LinearFactory.build(linears, "lm_head", config.nEmbd(), config.vocabSize(), false, gen));
        initialise(gen);
    }

    /** The {@code transformer} container: embeddings, blocks and the final norm. */
    public static final class Transformer extends Module {
        Transformer(GptConfig c, Generator gen, Generator dropoutGen, LinearFactory linears) {
            registerModule("wte", new Embedding(c.vocabSize(), c.nEmbd(), gen));
            registerModule("wpe", new Embedding(c.blockSize(), c.nEmbd(), gen));
            registerModule("drop", new Dropout(c.dropout(), dropoutGen));
            ModuleList h = registerModule("h", new ModuleList());
            for (int i = 0; i < c.nLayer(); i++) h.add(new GptBlock(c, i, gen, dropoutGen, linears));
            registerModule("ln_f", new LayerNorm(c.nEmbd(), c.layerNormEps(), true, c.bias()));
        }
    }

    /**
     * The name and shape of every parameter a model of {@code c} has, in state-dict order, computed from the
     * config alone (importers check a checkpoint against it before allocating the model).
     */
    public static java.util.Map<String, int[]> parameterShapes(GptConfig c) {
        var out = new java.util.LinkedHashMap<String, int[]>();
        int e = c.nEmbd();
        out.put("transformer.wte.weight", new int[] {c.vocabSize(), e});
        out.put("transformer.wpe.weight", new int[] {c.blockSize(), e});
        for (int i = 0; i < c.nLayer(); i++) {
            String h = "transformer.h." + i + ".";
            norm(out, h + "ln_1", e, c.bias());
            linear(out, h + "attn.c_attn", e, 3 * e, c.bias());
            linear(out, h + "attn.c_proj", e, e, c.bias());
            norm(out, h + "ln_2", e, c.bias());
            linear(out, h + "mlp.c_fc", e, c.mlpDim(), c.bias());
            linear(out, h + "mlp.c_proj", c.mlpDim(), e, c.bias());
        }
        norm(out, "transformer.ln_f", e, c.bias());
        if (!c.tieEmbeddings()) out.put("lm_head.weight", new int[] {c.vocabSize(), e});
        return out;
    }

    private static void norm(java.util.Map<String, int[]> out, String name, int n, boolean bias) {
        out.put(name + ".weight", new int[] {n});
        if (bias) out.put(name + ".bias", new int[] {n});
    }

    private static void linear(java.util.Map<String, int[]> out, String name, int in, int outFeatures, boolean bias) {
        out.put(name + ".weight", new int[] {outFeatures, in});
        if (bias) out.put(name + ".bias", new int[] {outFeatures});
    }

    @Override
    public java.util.Map<String, Generator> generators() {
        return java.util.Map.of("dropout", dropoutGenerator);
    }

    private void initialise(Generator gen) {
        double std = 0.02, projStd = 0.02 / Math.sqrt(2.0 * config.nLayer());
        for (var e : namedModules().entrySet()) {
            Module m = e.getValue();
            if (m instanceof Linear lin) {
                Init.normal(lin.weight(), 0, e.getKey().endsWith("c_proj") ? projStd : std, gen);
                if (lin.hasBias()) Init.zeros(lin.bias());
            } else if (m instanceof Embedding emb) {
                Init.normal(emb.weight(), 0, std, gen);
            }
        }
    }

    @Override
    protected Tensor hidden(Tensor ids, KvCache cache) {
        Module t = child("transformer");
        Forward wte = t.child("wte"), wpe = t.child("wpe"), drop = t.child("drop"), lnF = t.child("ln_f");
        ModuleList blocks = t.child("h");
        int start = cache == null ? 0 : cache.length(), steps = ids.size(1);
        Tensor positions = Tensor.arange(start, (double) start + steps, 1, DType.I64).to(ids.device());
        Tensor x = drop.forward(wte.forward(ids).add(wpe.forward(positions)));   // (B, T, C) + (T, C)
        for (Module block : blocks) x = runBlock(block, x, cache, ((GptBlock) block)::forward);
        return lnF.forward(x);                                                      // (B, T, C)
    }

    @Override
    public KvCache newCache(int batch, int capacity) {
        if (capacity > config.blockSize())
            throw new IllegalArgumentException("GptModel: a cache of " + capacity + " positions exceeds the "
                    + config.blockSize() + " learned positions");
        return new KvCache(config.nLayer(), batch, config.nHead(), capacity, config.headDim(), parameters().get(0).device());
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int maxSequenceLength() {
        return config.blockSize();
    }

    @Override
    public GptConfig config() {
        return config;
    }
}
