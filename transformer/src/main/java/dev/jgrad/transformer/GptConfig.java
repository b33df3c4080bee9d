package dev.jgrad.transformer;

/**
 * The shape of a GPT-2 style model (Radford et al., 2019; nanoGPT's {@code GPTConfig}; Hugging Face's
 * {@code GPT2Config}).
 *
 * <p>The network: token embedding {@code wte (V, C)} plus learned position embedding {@code wpe (P, C)}, then
 * {@code nLayer} pre-LayerNorm blocks {@code x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))}, a final LayerNorm and a
 * head {@code (C → V)} whose weight is {@code wte} when the embeddings are tied. The MLP is
 * {@code C → 4C → C} with GELU.
 *
 * <p>Build one by name with {@link #builder()}, which starts from GPT-2 small as Hugging Face's
 * {@code GPT2Config()} does, so only what differs needs saying:
 * {@snippet :
 * GptConfig config = GptConfig.builder().vocabSize(65).blockSize(64).dim(128).layers(4).heads(4).build();
 * }
 *
 * @param vocabSize       V, number of token ids (50257 for GPT-2)
 * @param blockSize       P, the longest sequence (number of learned positions; {@code n_positions})
 * @param nEmbd           C, the residual width
 * @param nLayer          number of transformer blocks
 * @param nHead           number of attention heads; C must be a multiple of it
 * @param dropout         dropout probability on embeddings, attention weights and residual branches (training only)
 * @param bias            whether Linear and LayerNorm layers have biases (GPT-2: true; nanoGPT offers false)
 * @param layerNormEps    LayerNorm's epsilon (1e-5)
 * @param tieEmbeddings   whether the head reuses {@code wte} (GPT-2 does)
 * @param geluTanh        GELU's tanh approximation ("gelu_new", GPT-2's) instead of the exact erf form
 */
public record GptConfig(int vocabSize, int blockSize, int nEmbd, int nLayer, int nHead, double dropout, boolean bias,
                        double layerNormEps, boolean tieEmbeddings, boolean geluTanh) {

    public GptConfig {
        positive("vocabSize", vocabSize);
        positive("blockSize", blockSize);
        positive("nEmbd", nEmbd);
        positive("nLayer", nLayer);
        positive("nHead", nHead);
        if (nEmbd % nHead != 0)
            throw new IllegalArgumentException("GptConfig: nEmbd " + nEmbd + " is not a multiple of nHead " + nHead);
        if (!(dropout >= 0 && dropout < 1))
            throw new IllegalArgumentException("GptConfig: dropout must be in [0, 1), got " + dropout);
        if (!(layerNormEps > 0) || Double.isInfinite(layerNormEps))
            throw new IllegalArgumentException("GptConfig: layerNormEps must be positive and finite, got " + layerNormEps);
        // The largest weight, the fused qkv projection (C, 3C), and the embeddings must fit one Java array.
        checkArray("wte (vocabSize x nEmbd)", (long) vocabSize * nEmbd);
        checkArray("wpe (blockSize x nEmbd)", (long) blockSize * nEmbd);
        checkArray("c_fc (nEmbd x 4 nEmbd)", 4L * nEmbd * nEmbd);
    }

    /** GPT-2 small: 124M parameters (V 50257, P 1024, C 768, 12 layers, 12 heads), tied, biased, no dropout. */
    public static GptConfig gpt2Small() {
        return new GptConfig(50257, 1024, 768, 12, 12, 0.0, true, 1e-5, true, true);
    }

    /** A builder that starts from GPT-2 small's values; see {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a {@link GptConfig} by name. Unset fields keep Hugging Face's {@code GPT2Config()} defaults, GPT-2
     * small: vocabulary 50257, 1024 positions, width 768, 12 layers, 12 heads, biases, LayerNorm epsilon 1e-5,
     * tied embeddings, GELU in its tanh form; dropout is 0 (nanoGPT's default; GPT-2 trained with 0.1). The values
     * are checked together by {@link #build()}.
     */
    public static final class Builder {
        private int vocabSize = 50257, blockSize = 1024, dim = 768, layers = 12, heads = 12;
        private double dropout = 0.0, layerNormEps = 1e-5;
        private boolean bias = true, tieEmbeddings = true, geluTanh = true;

        private Builder() {}

        /** V, the number of token ids. */
        public Builder vocabSize(int v) { vocabSize = v; return this; }

        /** P, the longest sequence ({@code n_positions}). */
        public Builder blockSize(int p) { blockSize = p; return this; }

        /** C, the residual width ({@code n_embd}); a multiple of the number of heads. */
        public Builder dim(int c) { dim = c; return this; }

        /** The number of transformer blocks ({@code n_layer}). */
        public Builder layers(int n) { layers = n; return this; }

        /** The number of attention heads ({@code n_head}). */
        public Builder heads(int n) { heads = n; return this; }

        /** The dropout probability in [0, 1) on embeddings, attention weights and residual branches. */
        public Builder dropout(double p) { dropout = p; return this; }

        /** Whether Linear and LayerNorm layers have biases. */
        public Builder bias(boolean b) { bias = b; return this; }

        /** LayerNorm's epsilon ({@code layer_norm_epsilon}). */
        public Builder layerNormEps(double eps) { layerNormEps = eps; return this; }

        /** Whether the head reuses the token embedding ({@code tie_word_embeddings}). */
        public Builder tieEmbeddings(boolean tie) { tieEmbeddings = tie; return this; }

        /** GELU's tanh approximation ({@code "gelu_new"}) when true, the exact erf form ({@code "gelu"}) when false. */
        public Builder geluTanh(boolean tanh) { geluTanh = tanh; return this; }

        /** The config, after checking every value and their combinations (throws IllegalArgumentException). */
        public GptConfig build() {
            return new GptConfig(vocabSize, blockSize, dim, layers, heads, dropout, bias, layerNormEps,
                    tieEmbeddings, geluTanh);
        }
    }

    /** A copy with another dropout probability (0 for inference, 0.1 as in GPT-2's training). */
    public GptConfig withDropout(double p) {
        return new GptConfig(vocabSize, blockSize, nEmbd, nLayer, nHead, p, bias, layerNormEps, tieEmbeddings, geluTanh);
    }

    /** Width of one attention head, C / nHead. */
    public int headDim() {
        return nEmbd / nHead;
    }

    /** Hidden width of the MLP, 4C. */
    public int mlpDim() {
        return 4 * nEmbd;
    }

    /**
     * Number of parameters, counting a tied head once:
     * {@code V·C + P·C + L·(12C² + (bias ? 13C : 4C)) + (bias ? 2C : C) + (tied ? 0 : V·C)}. Per block: qkv
     * {@code 3C²} (+3C), proj {@code C²} (+C), fc {@code 4C²} (+4C), fc proj {@code 4C²} (+C), two LayerNorms
     * {@code 2C} (+2C). GPT-2 small gives 124,439,808.
     *
     * @throws ArithmeticException if the count exceeds a long (a config no machine could build)
     */
    public long parameterCount() {
        long c = nEmbd;
        long perBlock = Math.addExact(Math.multiplyExact(12 * c, c), bias ? 13 * c : 2 * c);
        long embeddings = (long) vocabSize * c * (tieEmbeddings ? 1 : 2) + (long) blockSize * c;
        return Math.addExact(Math.addExact(embeddings, Math.multiplyExact(nLayer, perBlock)), bias ? 2 * c : c);
    }

    static void positive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException("config: " + name + " must be positive, got " + value);
    }

    static void checkArray(String what, long elements) {
        if (elements > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("config: " + what + " has " + elements
                    + " elements, more than one Java array holds (2^31 - 1)");
    }
}
