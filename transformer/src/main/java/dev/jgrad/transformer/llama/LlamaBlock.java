package dev.jgrad.transformer.llama;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.ops.Rope;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.nn.Forward;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.RMSNorm;
import dev.jgrad.transformer.Heads;
import dev.jgrad.transformer.KvCache;
import dev.jgrad.transformer.LinearFactory;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.RopeScaling;

/**
 * One LLaMA block: {@code h = x + attn(input_layernorm(x)); out = h + mlp(post_attention_layernorm(h))}.
 * Children are looked up by name at every call, so any projection can be swapped for another {@link Forward}
 * (LoRA, 4-bit).
 */
public final class LlamaBlock extends Module {

    /** Block {@code layer}; its linear layers come from {@code linears} under the path {@code model.layers.{layer}}. */
    LlamaBlock(LlamaConfig c, int layer, Generator gen, LinearFactory linears) {
        String path = "model.layers." + layer + ".";
        registerModule("input_layernorm", new RMSNorm(c.dim(), c.rmsNormEps(), true));
        registerModule("self_attn", new Attention(c, layer, gen, linears, path + "self_attn."));
        registerModule("post_attention_layernorm", new RMSNorm(c.dim(), c.rmsNormEps(), true));
        registerModule("mlp", new Mlp(c, gen, linears, path + "mlp."));
    }

    /** {@code x (B, T, D)} → {@code (B, T, D)}. */
    public Tensor forward(Tensor x, KvCache cache) {
        Forward inNorm = child("input_layernorm"), postNorm = child("post_attention_layernorm"), mlp = child("mlp");
        Attention attn = child("self_attn");
        Tensor h = x.add(attn.forward(inNorm.forward(x), cache));
        return h.add(mlp.forward(postNorm.forward(h)));
    }

    /**
     * Grouped-query self-attention with rotary positions: {@code q = RoPE(q_proj x)}, {@code k = RoPE(k_proj x)},
     * {@code v = v_proj x}; query head {@code h} attends with kv head {@code h / (H/Hkv)} (the kernel maps the
     * index, no copy of k or v); scale {@code 1/√hd}; then {@code o_proj}. Positions continue from the cache length.
     * The config's switches: q/k/v biases (Qwen2), a sliding window over the keys (Mistral), and remapped RoPE
     * frequencies (LLaMA 3.1's {@link RopeScaling}).
     */
    public static final class Attention extends Module {
        private final int nHeads, nKvHeads, layer, window;
        private final double theta;
        private final RopeStyle style;
        private final RopeScaling scaling;

        Attention(LlamaConfig c, int layer, Generator gen, LinearFactory linears, String path) {
            this.nHeads = c.nHeads();
            this.nKvHeads = c.nKvHeads();
            this.layer = layer;
            this.theta = c.ropeTheta();
            this.style = c.ropeStyle();
            this.window = c.slidingWindow();
            this.scaling = c.ropeScaling();
            boolean bias = c.attentionBias();
            registerModule("q_proj", LinearFactory.build(linears, path + "q_proj", c.dim(), c.dim(), bias, gen));
            registerModule("k_proj", LinearFactory.build(linears, path + "k_proj", c.dim(), c.kvDim(), bias, gen));
            registerModule("v_proj", LinearFactory.build(linears, path + "v_proj", c.dim(), c.kvDim(), bias, gen));
            registerModule("o_proj", LinearFactory.build(linears, path + "o_proj", c.dim(), c.dim(), false, gen));
        }

        /** {@code x (B, T, D)} → {@code (B, T, D)}, appending this layer's keys and values to {@code cache} if given. */
        public Tensor forward(Tensor x, KvCache cache) {
            Forward qProj = child("q_proj"), kProj = child("k_proj"), vProj = child("v_proj"), oProj = child("o_proj");
            int start = cache == null ? 0 : cache.length();
            Tensor q = rope(Heads.split(qProj.forward(x), nHeads), start);                         // (B, H, T, hd)
            Tensor k = rope(Heads.split(kProj.forward(x), nKvHeads), start);                       // (B, Hkv, T, hd)
            Tensor v = Heads.split(vProj.forward(x), nKvHeads);                                   // (B, Hkv, T, hd)
            Tensor y = Heads.causalAttention(q, k, v, cache, layer, 0, null, window);              // (B, H, T, hd)
            return oProj.forward(Heads.merge(y));                                                  // (B, T, D)
        }

        /**
         * {@code x (B, heads, T, hd)} rotated for positions {@code start ..}: the fused RoPE op, or the remapped
         * frequencies when the config scales RoPE.
         */
        private Tensor rope(Tensor x, int start) {
            return scaling == null ? Rope.apply(x, start, theta, style) : scaling.apply(x, start, theta, style);
        }
    }

    /** SwiGLU (Shazeer, 2020): {@code down_proj(silu(gate_proj(x)) · up_proj(x))}, {@code D → hidden → D}. */
    public static final class Mlp extends Module implements Forward {
        Mlp(LlamaConfig c, Generator gen, LinearFactory linears, String path) {
            registerModule("gate_proj", LinearFactory.build(linears, path + "gate_proj", c.dim(), c.hiddenDim(), false, gen));
            registerModule("up_proj", LinearFactory.build(linears, path + "up_proj", c.dim(), c.hiddenDim(), false, gen));
            registerModule("down_proj", LinearFactory.build(linears, path + "down_proj", c.hiddenDim(), c.dim(), false, gen));
        }

        @Override
        public Tensor forward(Tensor x) {
            Forward gate = child("gate_proj"), up = child("up_proj"), down = child("down_proj");
            return down.forward(gate.forward(x).silu().mul(up.forward(x)));   // (B, T, hidden) → (B, T, D)
        }
    }
}
