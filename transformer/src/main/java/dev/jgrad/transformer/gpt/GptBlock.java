package dev.jgrad.transformer.gpt;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.nn.Dropout;
import dev.jgrad.nn.Forward;
import dev.jgrad.nn.GELU;
import dev.jgrad.nn.LayerNorm;
import dev.jgrad.nn.Module;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.Heads;
import dev.jgrad.transformer.KvCache;
import dev.jgrad.transformer.LinearFactory;

/**
 * One pre-LayerNorm GPT-2 block: {@code x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))}. Children are looked up
 * by name at every call, so any Linear can be swapped ({@link Module#replaceModule}) for another {@link Forward}.
 */
public final class GptBlock extends Module {

    /** Block {@code layer}; its linear layers come from {@code linears} under the path {@code transformer.h.{layer}}. */
    GptBlock(GptConfig c, int layer, Generator gen, Generator dropoutGen, LinearFactory linears) {
        String path = "transformer.h." + layer + ".";
        registerModule("ln_1", new LayerNorm(c.nEmbd(), c.layerNormEps(), true, c.bias()));
        registerModule("attn", new Attention(c, layer, gen, dropoutGen, linears, path + "attn."));
        registerModule("ln_2", new LayerNorm(c.nEmbd(), c.layerNormEps(), true, c.bias()));
        registerModule("mlp", new Mlp(c, gen, dropoutGen, linears, path + "mlp."));
    }

    /** {@code x (B, T, C)} → {@code (B, T, C)}. */
    public Tensor forward(Tensor x, KvCache cache) {
        Forward ln1 = child("ln_1"), ln2 = child("ln_2"), mlp = child("mlp");
        Attention attn = child("attn");
        x = x.add(attn.forward(ln1.forward(x), cache));
        return x.add(mlp.forward(ln2.forward(x)));
    }

    /**
     * Causal multi-head self-attention with one fused projection to queries, keys and values:
     * {@code c_attn: C → 3C} (q, k, v side by side, HF's layout), heads of width {@code C/H}, scale
     * {@code 1/√hd}, then {@code c_proj: C → C} and residual dropout. Attention-weight dropout runs inside the
     * fused kernel.
     */
    public static final class Attention extends Module {
        private final int nHead, nEmbd, layer;
        private final double dropout;
        private final Generator dropoutGen;

        Attention(GptConfig c, int layer, Generator gen, Generator dropoutGen, LinearFactory linears, String path) {
            this.nHead = c.nHead();
            this.nEmbd = c.nEmbd();
            this.layer = layer;
            this.dropout = c.dropout();
            this.dropoutGen = dropoutGen;
            registerModule("c_attn", LinearFactory.build(linears, path + "c_attn", nEmbd, 3 * nEmbd, c.bias(), gen));
            registerModule("c_proj", LinearFactory.build(linears, path + "c_proj", nEmbd, nEmbd, c.bias(), gen));
            registerModule("resid_dropout", new Dropout(c.dropout(), dropoutGen));
        }

        /** {@code x (B, T, C)} → {@code (B, T, C)}, appending this layer's keys and values to {@code cache} if given. */
        public Tensor forward(Tensor x, KvCache cache) {
            Forward cAttn = child("c_attn"), cProj = child("c_proj"), residDropout = child("resid_dropout");
            Tensor qkv = cAttn.forward(x);                                  // (B, T, 3C)
            Tensor q = Heads.split(qkv.narrow(2, 0, nEmbd), nHead);         // (B, H, T, hd)
            Tensor k = Heads.split(qkv.narrow(2, nEmbd, nEmbd), nHead);     // (B, H, T, hd)
            Tensor v = Heads.split(qkv.narrow(2, 2 * nEmbd, nEmbd), nHead); // (B, H, T, hd)
            double p = isTraining() ? dropout : 0;
            Tensor y = Heads.causalAttention(q, k, v, cache, layer, p, dropoutGen);   // (B, H, T, hd)
            return residDropout.forward(cProj.forward(Heads.merge(y)));            // (B, T, C)
        }
    }

    /** The MLP {@code c_proj(gelu(c_fc(x)))}: {@code C → 4C → C}, then dropout. */
    public static final class Mlp extends Module implements Forward {
        Mlp(GptConfig c, Generator gen, Generator dropoutGen, LinearFactory linears, String path) {
            registerModule("c_fc", LinearFactory.build(linears, path + "c_fc", c.nEmbd(), c.mlpDim(), c.bias(), gen));
            registerModule("act", new GELU(c.geluTanh() ? "tanh" : "none"));
            registerModule("c_proj", LinearFactory.build(linears, path + "c_proj", c.mlpDim(), c.nEmbd(), c.bias(), gen));
            registerModule("dropout", new Dropout(c.dropout(), dropoutGen));
        }

        @Override
        public Tensor forward(Tensor x) {
            Forward fc = child("c_fc"), act = child("act"), proj = child("c_proj"), drop = child("dropout");
            return drop.forward(proj.forward(act.forward(fc.forward(x))));   // (B, T, C) → (B, T, 4C) → (B, T, C)
        }
    }
}
