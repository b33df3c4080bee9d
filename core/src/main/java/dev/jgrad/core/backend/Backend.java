package dev.jgrad.core.backend;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;

/**
 * The kernels of one device, at tensor level and without autograd.
 *
 * <p>The tensor API ({@link Tensor} and {@code dev.jgrad.core.ops}) validates arguments, allocates outputs,
 * resolves broadcasting into stride-0 views and records the graph; a backend only computes. Inputs may be
 * arbitrary strided views; outputs are freshly allocated contiguous tensors unless stated. Every method
 * here has a scalar implementation in {@link ReferenceBackend} (the oracle) and a fast one in
 * {@link VectorBackend} (float32 on the Vector API); a CUDA backend plugs in through
 * {@link BackendProvider}.
 */
public interface Backend {

    /** The device whose tensors this backend computes on. */
    Device device();

    /** A zero-filled buffer for {@code numel} elements of {@code dtype} on this device. */
    Storage allocate(DType dtype, int numel);

    // ---- data movement ------------------------------------------------------------------------

    /** {@code dst[i] = src[i]} for same-shaped views, converting dtypes. {@code dst} may be strided. */
    void copy(Tensor src, Tensor dst);

    /** Sets every element of the (possibly strided) view {@code dst}. */
    void fill(Tensor dst, double value);

    /** A host copy of {@code t} (identity for CPU tensors). */
    default Tensor toCpu(Tensor t) {
        if (t.device().isCpu()) return t;
        throw new UnsupportedOperationException(device() + " backend cannot copy to the host");
    }

    /** A copy of the host tensor {@code t} on this backend's device. */
    default Tensor fromCpu(Tensor t) {
        if (device().isCpu()) return t;
        throw new UnsupportedOperationException(device() + " backend cannot copy from the host");
    }

    // ---- element-wise -------------------------------------------------------------------------

    /** {@code out = op(x)}, same shape. */
    void unary(UnaryOp op, Tensor x, Tensor out);

    /**
     * {@code out = op(a, b)}; {@code a} and {@code b} already have {@code out}'s shape (broadcast operands are
     * stride-0 views). Comparisons write a BOOL {@code out}.
     */
    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** {@code out = cond ? a : b}, all four of one shape; {@code cond} is BOOL (or nonzero = true). */
    void where(Tensor cond, Tensor a, Tensor b, Tensor out);

    // ---- reductions ---------------------------------------------------------------------------

    /**
     * Reduces {@code x} along {@code dim} into {@code out}, which has {@code x}'s shape with {@code dim} of size
     * 1 (F64/F32 values, or I64 indices for ARGMAX/ARGMIN). Sums run in a fixed order, so the result does not
     * depend on the thread count.
     */
    void reduce(ReduceOp op, Tensor x, int dim, Tensor out);

    /** Softmax (or log-softmax) along the last dimension: {@code out = exp(x - logsumexp(x))}. */
    void softmax(Tensor x, Tensor out, boolean log);

    /**
     * The gradient of softmax along the last dimension, from its output {@code y} and output gradient {@code gy}:
     * {@code gx = y ⊙ (gy − Σ gy⊙y)}; for log-softmax {@code gx = gy − exp(y) · Σ gy}.
     */
    void softmaxBackward(Tensor y, Tensor gy, Tensor gx, boolean log);

    /** {@code out = log Σ exp(x)} along the last dimension, computed stably; {@code out} has the last dim 1. */
    void logsumexp(Tensor x, Tensor out);

    // ---- matrix products ----------------------------------------------------------------------

    /**
     * Batched matrix product {@code out[i] = a[i] · b[i] + beta · out[i]} over 3-D views: {@code a} is
     * {@code (batch, m, k)}, {@code b} is {@code (batch, k, n)}, {@code out} is {@code (batch, m, n)} with unit
     * column stride. {@code a} and {@code b} each have a unit stride in one of their last two dimensions
     * (a transposed view is read as such, never copied); their batch strides may be 0 (broadcast).
     */
    void matmul(Tensor a, Tensor b, Tensor out, float beta);

    // ---- products with a frozen 4-bit weight (QLoRA) -----------------------------------------------
    // W (out, in) is NF4/FP4 in bitsandbytes' layout (Weight4bit), decoded on the fly: no float copy of W is made.
    // x, y, gy, gx are float32 (rows, ·) views on the weight's device (Weight4bit.checkProduct); outputs are
    // overwritten. rows = 1 is a matrix-vector product (one token while decoding).

    /**
     * {@code y = x · Wᵀ}: {@code y[i, o] = Σ_k x[i, k] · W[o, k]} with
     * {@code W[o, k] = codebook[nibble(o·in + k)] · absmax[(o·in + k) / blocksize]}; {@code x (rows, in)},
     * {@code y (rows, out)}. The forward of a 4-bit linear layer.
     */
    void matmul4bit(Tensor x, Weight4bit w, Tensor y);

    /**
     * {@code gx = gy · W}: {@code gx[i, k] = Σ_o gy[i, o] · W[o, k]}; {@code gy (rows, out)}, {@code gx (rows, in)}.
     * The input gradient of {@link #matmul4bit} (the frozen weight gets none).
     */
    void matmul4bitInputGradient(Tensor gy, Weight4bit w, Tensor gx);

    // ---- indexing -----------------------------------------------------------------------------

    /** {@code out} = the slices of {@code x} along {@code dim} at {@code index} (1-D, I32/I64, validated). */
    void indexSelect(Tensor x, int dim, Tensor index, Tensor out);

    /** {@code dst[..., index[i], ...] += src[..., i, ...]} along {@code dim} (in place; repeated indices add). */
    void indexAdd(Tensor dst, int dim, Tensor index, Tensor src);

    /** {@code out[i][j][k] = x[i][index[i][j][k]][k]} for {@code dim == 1} (torch.gather); index has out's shape. */
    void gather(Tensor x, int dim, Tensor index, Tensor out);

    /** {@code dst[i][index[i][j][k]][k] += src[i][j][k]} for {@code dim == 1} (in place; the adjoint of gather). */
    void scatterAdd(Tensor dst, int dim, Tensor index, Tensor src);

    // ---- fused normalisation ------------------------------------------------------------------
    // x is (rows, n) and normalised along n; statistics are (rows); weight and bias are (n) or null.

    /**
     * LayerNorm forward: {@code mean = Σx/n}, {@code var = Σ(x − mean)²/n} (biased), {@code rstd = 1/√(var + eps)},
     * {@code y = (x − mean)·rstd·weight + bias}. Writes {@code y}, {@code mean} and {@code rstd}; a null weight
     * scales by 1, a null bias shifts by 0.
     */
    void layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, Tensor y, Tensor mean, Tensor rstd);

    /**
     * LayerNorm backward from the saved {@code mean} and {@code rstd}. With {@code x̂ = (x − mean)·rstd} and
     * {@code ĝ = gy·weight} (weight 1 if null): {@code dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))} per row,
     * {@code dweight = Σ_rows gy·x̂}, {@code dbias = Σ_rows gy}. Any of {@code dx}, {@code dweight},
     * {@code dbias} may be null (not wanted); the others are overwritten.
     */
    void layerNormBackward(Tensor gy, Tensor x, Tensor weight, Tensor mean, Tensor rstd,
                           Tensor dx, Tensor dweight, Tensor dbias);

    /**
     * RMSNorm forward: {@code rstd = 1/√(Σx²/n + eps)}, {@code y = x·rstd·weight}. Writes {@code y} and
     * {@code rstd}; a null weight scales by 1.
     */
    void rmsNorm(Tensor x, Tensor weight, double eps, Tensor y, Tensor rstd);

    /**
     * RMSNorm backward from the saved {@code rstd}. With {@code x̂ = x·rstd} and {@code ĝ = gy·weight}:
     * {@code dx = rstd·(ĝ − x̂·mean(ĝ·x̂))} per row, {@code dweight = Σ_rows gy·x̂}. {@code dx} or
     * {@code dweight} may be null.
     */
    void rmsNormBackward(Tensor gy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight);

    // ---- fused losses -------------------------------------------------------------------------

    /**
     * Cross-entropy of each row of {@code logits} (rows, C) against its class in {@code targets} (rows; I32 or
     * I64, values already checked to lie in [0, C) or equal {@code ignoreIndex}). With
     * {@code lse = log Σ_c exp(x_c)} and label smoothing ε the smoothed target puts (1 − ε) + ε/C on the true
     * class and ε/C on every other, so
     * {@code loss = (1−ε)·(lse − x_t) + (ε/C)·Σ_c (lse − x_c) = lse − (1−ε)·x_t − (ε/C)·Σ_c x_c}.
     * Writes {@code loss} (rows; 0 for ignored rows) and {@code lse} (rows), which the backward reuses.
     */
    void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, double labelSmoothing, Tensor loss, Tensor lse);

    /**
     * Cross-entropy backward: {@code dlogits[r, c] = rowGrad[r]·(exp(x_c − lse_r) − (1−ε)·[c = t_r] − ε/C)}, the
     * softmax minus the smoothed one-hot target, scaled by the row's incoming gradient (rows; it carries
     * the 1/count of a mean); ignored rows get 0.
     */
    void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor rowGrad, int ignoreIndex,
                              double labelSmoothing, Tensor dlogits);

    // ---- fused optimizer updates (in place, one pass over same-shaped buffers) -------------------

    /**
     * One SGD step over a parameter buffer, in place (PyTorch's algorithm): {@code g ← grad + λθ};
     * with momentum μ > 0, {@code b ← g} on the first step and {@code b ← μb + (1 − τ)g} after, then
     * {@code g ← g + μb} (Nesterov) or {@code g ← b}; finally {@code θ ← θ − γg}. {@code momentumBuffer} is
     * null when μ = 0.
     */
    void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuffer, SgdConfig config, boolean firstStep);

    /**
     * One Adam/AdamW step over a parameter buffer, in place (PyTorch's algorithm), {@code step} counting
     * from 1: {@code g ← grad (+ λθ for Adam)}; {@code θ ← θ(1 − γλ)} for AdamW; {@code m ← β₁m + (1−β₁)g};
     * {@code v ← β₂v + (1−β₂)g²}; with AMSGrad {@code v̂max ← max(v̂max, v)} and v̂max replaces v below;
     * {@code θ ← θ − (γ/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)}. {@code maxExpAvgSq} is null without AMSGrad.
     */
    void adamUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq,
                    AdamConfig config, long step);

    // =============================================================================================
    // Attention and rotary position embeddings

    /**
     * Fused scaled dot-product attention, forward:
     * {@code out = dropout(softmax(scale · q·kᵀ + mask)) · v} for every (batch, query head), without autograd.
     *
     * <p>Shapes: {@code q (B, H, Tq, D)}, {@code k} and {@code v (B, Hkv, Tk, D)} with {@code H} a multiple of
     * {@code Hkv}: query head {@code h} reads kv head {@code h / (H / Hkv)} (grouped-query attention; {@code Hkv == H}
     * is plain multi-head). {@code keyPaddingMask} is null or a BOOL {@code (B, Tk)} tensor in which
     * <b>true means "ignore this key"</b>. Causal masking, scale and dropout come from {@code params}. Softmax runs
     * in float32 (or in float64 for F64 tensors).
     *
     * <p>Outputs (preallocated, contiguous, same dtype as q): {@code out (B, H, Tq, D)} and {@code lse (B, H, Tq)},
     * the log-sum-exp of each row's masked, scaled scores (before dropout), which the backward needs. A row that
     * sees no key at all (every key masked) gets zeros in {@code out} and {@code −∞} in {@code lse}.
     */
    void attentionForward(Tensor q, Tensor k, Tensor v, Tensor keyPaddingMask, AttentionParams params,
                          Tensor out, Tensor lse);

    /**
     * Fused scaled dot-product attention, backward: from the forward's inputs, its {@code out} and {@code lse}, and
     * the output gradient {@code gradOut (B, H, Tq, D)}, writes {@code gradQ (B, H, Tq, D)}, {@code gradK} and
     * {@code gradV (B, Hkv, Tk, D)} (preallocated, contiguous, overwritten). With grouped-query attention the k and
     * v gradients sum over the query heads that share them. The dropout mask is regenerated from
     * {@code params.dropoutSeed()}, never stored.
     */
    void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor keyPaddingMask, AttentionParams params,
                           Tensor out, Tensor lse, Tensor gradOut, Tensor gradQ, Tensor gradK, Tensor gradV);

    /**
     * Rotary position embedding: rotates pairs of features of {@code x (B, H, T, D)} ({@code D} even) by the
     * angle {@code pos · θ^(−2i/D)} of pair {@code i}, writing the preallocated contiguous {@code out}.
     *
     * <p>{@code positions} (I32 or I64) is {@code (T)} — shared by the batch — or {@code (B, T)}, non-negative.
     * Pair {@code i} is {@code (i, i + D/2)} (Hugging Face's rotate-half) or, with {@code interleaved},
     * {@code (2i, 2i + 1)} (Meta's and llama2.c's). {@code inverse} rotates by the negative angle: the backward.
     */
    void rope(Tensor x, Tensor positions, double theta, boolean interleaved, boolean inverse, Tensor out);
}
