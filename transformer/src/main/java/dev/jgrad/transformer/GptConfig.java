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
