package dev.jgrad.transformer;

import dev.jgrad.core.ops.RopeStyle;

/**
 * The shape of a LLaMA-style model (Touvron et al., 2023; Meta's {@code ModelArgs}, llama2.c's {@code Config},
 * Hugging Face's {@code LlamaConfig}), and of the families that differ from it only in a few switches:
 * <ul>
 *   <li><b>Qwen2 / Qwen2.5</b> ({@code Qwen2ForCausalLM}): biases on the q, k and v projections
 *       ({@link #attentionBias}), RoPE θ 10⁶, often a tied head;</li>
 *   <li><b>Mistral</b> ({@code MistralForCausalLM}): each query attends only to the last {@link #slidingWindow}
 *       keys (itself included);</li>
 *   <li><b>LLaMA 3.x</b>: θ 500000 and, from 3.1 on, the {@link RopeScaling llama3 frequency remapping}.</li>
 * </ul>
 *
 * <p>The network: token embedding {@code (V, D)}, then {@code nLayers} pre-norm blocks
 * {@code x = x + attn(rmsnorm(x)); x = x + mlp(rmsnorm(x))}, a final RMSNorm and a head {@code (D → V)}.
 * Attention has no biases, rotates queries and keys with RoPE, and lets groups of {@code nHeads / nKvHeads} query
 * heads share one key/value head (grouped-query attention). The MLP is SwiGLU:
 * {@code down(silu(gate(x)) · up(x))} with hidden width {@code hiddenDim}.
 *
 * <p>Build one by name with {@link #builder()}, which starts from Hugging Face's {@code LlamaConfig()} defaults
 * and derives what depends on the width, so only what differs needs saying:
 * {@snippet :
 * LlamaConfig config = LlamaConfig.builder().vocabSize(1024).dim(256).layers(6).heads(8).kvHeads(2).build();
 * }
 *
 * @param vocabSize     V (32000 for LLaMA 2 and llama2.c's stories models)
 * @param dim           D, the residual width
 * @param nLayers       number of blocks
 * @param nHeads        number of query heads; D must be a multiple of it
 * @param nKvHeads      number of key/value heads; nHeads must be a multiple of it
 * @param hiddenDim     the SwiGLU hidden width ({@code intermediate_size}); see {@link #llama2cHiddenDim}
 * @param rmsNormEps    RMSNorm's epsilon (1e-5 in llama2.c and LLaMA 2, 1e-6 in LLaMA 1)
 * @param ropeTheta     RoPE's base θ (10000; 500000 in LLaMA 3)
 * @param ropeStyle     how the weights pair features for RoPE: {@link RopeStyle#INTERLEAVED} for Meta and llama2.c
 *                      weights, {@link RopeStyle#HALF} for Hugging Face weights (whose q/k rows are permuted)
 * @param maxSeqLen     the longest sequence the model is meant for (sizes the KV cache)
 * @param tieEmbeddings whether the head reuses the embedding (llama2.c's stories models do; LLaMA 2 does not)
 * @param attentionBias whether q_proj, k_proj and v_proj have biases (Qwen2; o_proj never has one)
 * @param slidingWindow 0, or how many keys each query sees, counting back from its own position (Mistral's
 *                      {@code sliding_window}): the query at position {@code p} attends to {@code p − W < j ≤ p}
 * @param ropeScaling   null, or LLaMA 3.1's remapping of the RoPE frequencies ({@code rope_scaling})
 */
public record LlamaConfig(int vocabSize, int dim, int nLayers, int nHeads, int nKvHeads, int hiddenDim,
                          double rmsNormEps, double ropeTheta, RopeStyle ropeStyle, int maxSeqLen,
                          boolean tieEmbeddings, boolean attentionBias, int slidingWindow, RopeScaling ropeScaling) {

    public LlamaConfig {
        GptConfig.positive("vocabSize", vocabSize);
        GptConfig.positive("dim", dim);
        GptConfig.positive("nLayers", nLayers);
        GptConfig.positive("nHeads", nHeads);
        GptConfig.positive("nKvHeads", nKvHeads);
        GptConfig.positive("hiddenDim", hiddenDim);
        GptConfig.positive("maxSeqLen", maxSeqLen);
        if (dim % nHeads != 0)
            throw new IllegalArgumentException("LlamaConfig: dim " + dim + " is not a multiple of nHeads " + nHeads);
        if (nHeads % nKvHeads != 0)
            throw new IllegalArgumentException("LlamaConfig: nHeads " + nHeads + " is not a multiple of nKvHeads " + nKvHeads);
        if ((dim / nHeads) % 2 != 0)
            throw new IllegalArgumentException("LlamaConfig: the head dimension " + dim / nHeads
                    + " must be even for rotary embeddings");
        if (!(rmsNormEps >= 0) || Double.isInfinite(rmsNormEps))
            throw new IllegalArgumentException("LlamaConfig: rmsNormEps must be >= 0 and finite, got " + rmsNormEps);
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta))
            throw new IllegalArgumentException("LlamaConfig: ropeTheta must be positive and finite, got " + ropeTheta);
        if (ropeStyle == null) throw new IllegalArgumentException("LlamaConfig: ropeStyle must not be null");
        if (slidingWindow < 0)
            throw new IllegalArgumentException("LlamaConfig: slidingWindow must be >= 0 (0: none), got " + slidingWindow);
        GptConfig.checkArray("the embedding (vocabSize x dim)", (long) vocabSize * dim);
        GptConfig.checkArray("an MLP weight (hiddenDim x dim)", (long) hiddenDim * dim);
    }

    /** The plain LLaMA shape: no biases, no sliding window, no RoPE scaling. */
    public LlamaConfig(int vocabSize, int dim, int nLayers, int nHeads, int nKvHeads, int hiddenDim, double rmsNormEps,
                       double ropeTheta, RopeStyle ropeStyle, int maxSeqLen, boolean tieEmbeddings) {
        this(vocabSize, dim, nLayers, nHeads, nKvHeads, hiddenDim, rmsNormEps, ropeTheta, ropeStyle, maxSeqLen,
                tieEmbeddings, false, 0, null);
    }

    /**
     * llama2.c's (and Meta's) rule for the SwiGLU width: start from {@code 4·dim}, take two thirds (so that three
     * matrices cost what two {@code 4·dim} ones would), then round up to a multiple of {@code multipleOf}:
     * {@code multipleOf · ⌈⌊2·4·dim/3⌋ / multipleOf⌉}. dim 288 → 768, 512 → 1376, 768 → 2048 (multipleOf 32);
     * 4096 → 11008 (multipleOf 256, LLaMA 2 7B).
     */
    public static int llama2cHiddenDim(int dim, int multipleOf) {
        if (dim <= 0 || multipleOf <= 0)
            throw new IllegalArgumentException("llama2cHiddenDim: dim and multipleOf must be positive, got " + dim + ", " + multipleOf);
        long hidden = 2L * (4L * dim) / 3;
        return (int) (multipleOf * ((hidden + multipleOf - 1) / multipleOf));
    }

    /** llama2.c's stories15M: dim 288, 6 layers, 6 heads, seq 256, vocab 32000, tied head. */
    public static LlamaConfig stories15M() {
        return llama2c(288, 6, 6, 256);
    }

    /** llama2.c's stories42M: dim 512, 8 layers, 8 heads, seq 1024. */
    public static LlamaConfig stories42M() {
        return llama2c(512, 8, 8, 1024);
    }

    /** llama2.c's stories110M: dim 768, 12 layers, 12 heads, seq 1024. */
    public static LlamaConfig stories110M() {
        return llama2c(768, 12, 12, 1024);
    }

    private static LlamaConfig llama2c(int dim, int layers, int heads, int seqLen) {
        return new LlamaConfig(32000, dim, layers, heads, heads, llama2cHiddenDim(dim, 32), 1e-5, 10000,
                RopeStyle.INTERLEAVED, seqLen, true);
    }

    /** A builder that starts from Hugging Face's {@code LlamaConfig()} defaults; see {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a {@link LlamaConfig} by name. Unset fields keep Hugging Face's {@code LlamaConfig()} defaults
     * (LLaMA 7B's shape): vocabulary 32000, width 4096, 32 layers, 32 heads, RMSNorm epsilon 1e-6, RoPE θ 10000 in
     * Hugging Face's {@link RopeStyle#HALF} pairing, 2048 positions, untied head. Two defaults follow the others,
     * as in Meta's {@code ModelArgs}: key/value heads default to the number of heads (plain multi-head
     * attention), and the SwiGLU width to {@link #llama2cHiddenDim llama2cHiddenDim(dim, 256)} (11008 for 4096).
     * The values are checked together by {@link #build()}.
     */
    public static final class Builder {
        private int vocabSize = 32000, dim = 4096, layers = 32, heads = 32, maxSeqLen = 2048;
        private Integer kvHeads, hiddenDim;   // null: derived from heads and dim at build()
        private double rmsNormEps = 1e-6, ropeTheta = 10000;
        private RopeStyle ropeStyle = RopeStyle.HALF;
        private boolean tieEmbeddings = false, attentionBias = false;
        private int slidingWindow = 0;
        private RopeScaling ropeScaling;

        private Builder() {}

        /** V, the number of token ids. */
        public Builder vocabSize(int v) { vocabSize = v; return this; }

        /** D, the residual width ({@code hidden_size}); a multiple of the number of heads. */
        public Builder dim(int d) { dim = d; return this; }

        /** The number of blocks ({@code num_hidden_layers}). */
        public Builder layers(int n) { layers = n; return this; }

        /** The number of query heads ({@code num_attention_heads}). */
        public Builder heads(int n) { heads = n; return this; }

        /** The number of key/value heads ({@code num_key_value_heads}); divides the number of heads. */
        public Builder kvHeads(int n) { kvHeads = n; return this; }

        /** The SwiGLU hidden width ({@code intermediate_size}). */
        public Builder hiddenDim(int h) { hiddenDim = h; return this; }

        /** RMSNorm's epsilon ({@code rms_norm_eps}). */
        public Builder rmsNormEps(double eps) { rmsNormEps = eps; return this; }

        /** RoPE's base θ ({@code rope_theta}). */
        public Builder ropeTheta(double theta) { ropeTheta = theta; return this; }

        /** How the weights pair features for RoPE (HALF for Hugging Face weights, INTERLEAVED for Meta's). */
        public Builder ropeStyle(RopeStyle style) { ropeStyle = style; return this; }

        /** The longest sequence ({@code max_position_embeddings}). */
        public Builder maxSeqLen(int n) { maxSeqLen = n; return this; }

        /** Whether the head reuses the embedding ({@code tie_word_embeddings}). */
        public Builder tieEmbeddings(boolean tie) { tieEmbeddings = tie; return this; }

        /** Biases on q_proj, k_proj and v_proj (Qwen2's {@code Qwen2ForCausalLM}). */
        public Builder attentionBias(boolean bias) { attentionBias = bias; return this; }

        /** Mistral's {@code sliding_window}: each query sees its last {@code w} keys; 0 for none. */
        public Builder slidingWindow(int w) { slidingWindow = w; return this; }

        /** LLaMA 3.1's {@code rope_scaling}; null for none. */
        public Builder ropeScaling(RopeScaling scaling) { ropeScaling = scaling; return this; }

        /** The config, after checking every value and their combinations (throws IllegalArgumentException). */
        public LlamaConfig build() {
            int hidden = hiddenDim != null ? hiddenDim : dim > 0 ? llama2cHiddenDim(dim, 256) : dim;
            return new LlamaConfig(vocabSize, dim, layers, heads, kvHeads != null ? kvHeads : heads, hidden,
                    rmsNormEps, ropeTheta, ropeStyle, maxSeqLen, tieEmbeddings, attentionBias, slidingWindow, ropeScaling);
        }
    }

    /** Width of one head, D / nHeads. */
    public int headDim() {
        return dim / nHeads;
    }

    /** Width of the key and value projections, nKvHeads · headDim. */
    public int kvDim() {
        return nKvHeads * headDim();
    }

    /** A copy with another RoPE pairing (the weights must be permuted to match; see the checkpoint importers). */
    public LlamaConfig withRopeStyle(RopeStyle style) {
        return new LlamaConfig(vocabSize, dim, nLayers, nHeads, nKvHeads, hiddenDim, rmsNormEps, ropeTheta, style,
                maxSeqLen, tieEmbeddings, attentionBias, slidingWindow, ropeScaling);
    }

    /**
     * Number of parameters: {@code V·D + L·(2D² + 2D·kvDim + 3D·H + 2D) + D + (tied ? 0 : V·D)} (per block: q and o
     * {@code D²} each, k and v {@code D·kvDim} each, gate/up/down {@code D·H} each, two norms), plus
     * {@code L·(D + 2·kvDim)} with attention biases. stories15M: 15,191,712 (tied).
     *
     * @throws ArithmeticException if the count exceeds a long (a config no machine could build)
     */
    public long parameterCount() {
        long d = dim;
        long perBlock = Math.addExact(Math.addExact(Math.multiplyExact(2 * d, d), Math.multiplyExact(2 * d, kvDim())),
                3 * d * hiddenDim + 2 * d + (attentionBias ? d + 2L * kvDim() : 0));
        return Math.addExact(Math.multiplyExact(nLayers, perBlock), (long) vocabSize * d * (tieEmbeddings ? 1 : 2) + d);
    }
}
