package dev.jgrad.transformer;

import dev.jgrad.core.DType;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.nn.Forward;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.functional.F;
import dev.jgrad.nn.functional.Reduction;

/**
 * A decoder-only language model: token ids {@code (B, T)} → next-token logits {@code (B, T, V)}, where the
 * logits at position {@code t} score the token at {@code t + 1} given tokens {@code 0..t}.
 *
 * <p>Two ways to run it:
 * <ul>
 *   <li><b>Training</b>, {@link #forward(Tensor)} and {@link #loss}: the whole sequence at once with autograd,
 *       causal attention keeping each position from seeing the future.</li>
 *   <li><b>Incremental decoding</b>, {@link #forward(Tensor, KvCache)} and {@link #decodeLast}: new tokens only,
 *       reading earlier keys and values from a {@link KvCache}, always without a graph. Feeding a sequence in
 *       pieces gives the logits of feeding it whole.</li>
 * </ul>
 * Subclasses provide {@link #hidden}, the final normalised hidden states; the head is the child module
 * {@code lm_head}, used through {@link Forward} so that it can be replaced (a quantised or adapted head).
 */
public abstract class CausalLM extends Module {

    private boolean gradientCheckpointing;

    /**
     * With {@code on}, the training forward keeps only each block's input and recomputes the block's activations
     * during the backward pass ({@link dev.jgrad.core.autograd.GradientCheckpoint}): activation memory falls from
     * every intermediate tensor of every block to one {@code (B, T, C)} tensor per block, for one more forward per
     * step. Dropout masks are redrawn identically. Returns this model.
     */
    public CausalLM gradientCheckpointing(boolean on) {
        this.gradientCheckpointing = on;
        return this;
    }

    public boolean isGradientCheckpointing() {
        return gradientCheckpointing;
    }

    /**
     * Runs {@code block} on {@code x}: checkpointed when that is on and this is the training path (no cache),
     * directly otherwise. Subclasses call it for each block.
     */
    protected Tensor runBlock(Module block, Tensor x, KvCache cache, java.util.function.BiFunction<Tensor, KvCache, Tensor> forward) {
        if (!gradientCheckpointing || cache != null) return forward.apply(x, cache);
        java.util.List<dev.jgrad.core.Generator> gens = new java.util.ArrayList<>();
        for (Module m : block.namedModules().values())
            if (m instanceof dev.jgrad.nn.Dropout d && d.generator() != null && !gens.contains(d.generator())) gens.add(d.generator());
        for (dev.jgrad.core.Generator g : generators().values()) if (!gens.contains(g)) gens.add(g);
        return dev.jgrad.core.autograd.GradientCheckpoint.apply(in -> forward.apply(in, null), x, block.trainableParameters(), gens);
    }

    /** The final hidden states {@code (B, T, C)} for {@code ids (B, T)}, appending to {@code cache} (null: no cache). */
    protected abstract Tensor hidden(Tensor ids, KvCache cache);

    /** A cache for {@code batch} sequences of up to {@code capacity} positions (at most {@link #maxSequenceLength}). */
    public abstract KvCache newCache(int batch, int capacity);

    /** Number of token ids, V. */
    public abstract int vocabSize();

    /** The longest sequence the model supports (learned positions for GPT-2, the configured length for LLaMA). */
    public abstract int maxSequenceLength();

    /** The model's configuration record ({@link GptConfig} or {@link LlamaConfig}). */
    public abstract Record config();

    /**
     * The random generators the model draws from while training (dropout), by name: checkpoints save their
     * state so that a resumed run continues the same random stream. Empty for models without randomness.
     */
    public java.util.Map<String, dev.jgrad.core.Generator> generators() {
        return java.util.Map.of();
    }

    /** Logits {@code (B, T, V)} for ids {@code (B, T)}, recording a graph when gradients are enabled. */
    public Tensor forward(Tensor ids) {
        checkIds(ids, null);
        return head(hidden(ids, null));
    }

    /**
     * Logits {@code (B, T, V)} of {@code T} new tokens that follow the {@code cache.length()} cached ones; their
     * keys and values are appended to the cache. Runs without autograd.
     */
    public Tensor forward(Tensor ids, KvCache cache) {
        try (NoGrad ignored = NoGrad.enter()) {
            checkIds(ids, cache);
            Tensor h = hidden(ids, cache);
            cache.advance(ids.size(1));
            return head(h);
        }
    }

    /**
     * Like {@link #forward(Tensor, KvCache)} but computes the head only for the last position: logits
     * {@code (B, V)}. This is what a generation step needs, and it skips the {@code (T−1)·C·V} head work of a
     * prompt.
     */
    public Tensor decodeLast(Tensor ids, KvCache cache) {
        try (NoGrad ignored = NoGrad.enter()) {
            checkIds(ids, cache);
            int b = ids.size(0), t = ids.size(1);
            Tensor h = hidden(ids, cache);                          // (B, T, C)
            cache.advance(t);
            Tensor last = h.narrow(1, t - 1, 1);                     // (B, 1, C)
            return head(last).reshape(b, vocabSize());                // (B, V)
        }
    }

    /** Mean next-token cross-entropy of the logits of {@code ids} against {@code targets (B, T)} (-100 ignored). */
    public Tensor loss(Tensor ids, Tensor targets) {
        return lossFrom(forward(ids), targets);
    }

    /**
     * Mean cross-entropy of {@code logits (B, T, V)} against {@code targets (B, T)}, skipping targets equal to
     * {@link F#IGNORE_INDEX} (-100), as {@code F.cross_entropy(logits.view(-1, V), targets.view(-1))}.
     */
    public static Tensor lossFrom(Tensor logits, Tensor targets) {
        return F.crossEntropy(logits, targets, F.IGNORE_INDEX, 0.0, Reduction.MEAN);
    }

    private Tensor head(Tensor h) {
        Forward lmHead = child("lm_head");
        return lmHead.forward(h);
    }

    private void checkIds(Tensor ids, KvCache cache) {
        if (ids.rank() != 2 || ids.size(0) < 1 || ids.size(1) < 1 || ids.dtype().isFloatingPoint())
            throw new IllegalArgumentException(getClass().getSimpleName() + ": ids must be integer (B, T) with B, T >= 1, got "
                    + ids.dtype() + " " + Shape.str(ids.shape()));
        int start = cache == null ? 0 : cache.length();
        if (start + ids.size(1) > maxSequenceLength())
            throw new IllegalArgumentException(getClass().getSimpleName() + ": " + (start + ids.size(1))
                    + " positions exceed the model's maximum of " + maxSequenceLength());
        if (cache != null) cache.checkRoom(ids.size(0), ids.size(1));
    }

    /** Long ids {@code (B, T)} from rows of ints. */
    public static Tensor ids(int[]... rows) {
        int t = rows[0].length;
        long[] flat = new long[rows.length * t];
        for (int b = 0; b < rows.length; b++) {
            if (rows[b].length != t) throw new IllegalArgumentException("ids: rows have different lengths");
            for (int i = 0; i < t; i++) flat[b * t + i] = rows[b][i];
        }
        return Tensor.of(flat, rows.length, t);
    }

    /** Evaluation mode (dropout off); returns this model. */
    @Override
    public CausalLM eval() {
        super.eval();
        return this;
    }

    /** Training mode (dropout on); returns this model. */
    @Override
    public CausalLM train() {
        super.train();
        return this;
    }

    /** The float dtype of the model's parameters (F32 unless converted with {@link #to(DType)}). */
    public DType dtype() {
        return parameters().get(0).dtype();
    }
}
