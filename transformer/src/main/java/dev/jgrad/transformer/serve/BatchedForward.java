package dev.jgrad.transformer.serve;

import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.ops.Rope;
import dev.jgrad.nn.Forward;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.ModuleList;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.Heads;
import dev.jgrad.transformer.KvCache;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.transformer.llama.LlamaModel;

import java.util.ArrayList;
import java.util.List;

/**
 * One forward over several independent sequences at different positions, each with its own {@link KvCache}: the
 * step of continuous batching.
 *
 * <p>{@link CausalLM#forward(Tensor, KvCache)} batches sequences of equal length sharing one cache length. A server
 * has sequences that arrived at different times: one is prefilling a 40-token prompt while others decode their
 * 7th and 300th tokens. This class lays all their new tokens out as the rows of one matrix and runs
 * <pre>
 *   x (1, R, C)       R = Σ Tᵢ: the new tokens of every sequence, one after another
 *   per block:
 *     norm, q/k/v projections   one GEMM each over all R rows (each weight read once per step)
 *     per sequence i:           rows [offᵢ, offᵢ + Tᵢ): RoPE from its own position, attention over its own
 *                               cache (a prompt: the fused causal kernel; one token: two matrix-vector products)
 *     output projection, MLP    one GEMM each over all R rows
 *   head                        one GEMM over the last row of each sequence
 * </pre>
 * so a prompt is prefilled as one GEMM and every decoding sequence adds one row to the same GEMMs. Adapters
 * ({@link Adapter}) add their low-rank branch to their own sequences' rows after each base projection.
 *
 * <p><b>Rows do not see each other.</b> Norms and activations are row-wise, attention is per sequence, and the
 * GEMM kernel sums each output over k in an order that depends on k alone, so a sequence's logits do not depend on
 * which other sequences share its step. One exception is guarded here: a product with a single row is routed to
 * the matrix-vector kernel, which sums in a different order; a step with one row (one sequence decoding alone) is
 * therefore padded with a throwaway row, so that it rounds exactly as it would among others.
 *
 * <p>Supports the {@link LlamaModel} and {@link GptModel} architectures, whose modules it reads by their Hugging
 * Face names, on the CPU. Not thread-safe: one thread runs the steps.
 */
public final class BatchedForward {

    /** One sequence of a step: its cache (batch 1), its new tokens (at least one), its adapter (null: the base). */
    public record Sequence(KvCache cache, int[] tokens, Adapter adapter) {}

    private final CausalLM model;

    /** Steps over {@code model} (a LLaMA or GPT-2 model, put in evaluation mode here). */
    public BatchedForward(CausalLM model) {
        if (!(model instanceof LlamaModel) && !(model instanceof GptModel))
            throw new IllegalArgumentException("BatchedForward: supports LLaMA and GPT-2 models, not "
                    + model.getClass().getSimpleName());
        if (!model.parameters().get(0).device().equals(dev.jgrad.core.Device.cpu()))
            throw new IllegalArgumentException("BatchedForward: runs models on the CPU; this one is on "
                    + model.parameters().get(0).device());
        this.model = model;
        model.eval();
    }

    public CausalLM model() {
        return model;
    }

    /**
     * Runs the new tokens of every sequence, appends their keys and values to each sequence's cache, and returns
     * the logits after each sequence's last new token: {@code logits[i]} has {@code V} floats.
     */
    public float[][] step(List<Sequence> sequences) {
        if (sequences.isEmpty()) return new float[0][];
        Layout rows = new Layout(sequences, model.maxSequenceLength());
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor h = model instanceof LlamaModel llama ? llamaHidden(llama, rows) : gptHidden((GptModel) model, rows);
            for (Sequence s : sequences) s.cache().advance(s.tokens().length);
            // The head over the last row of each sequence (plus a throwaway row when there is only one).
            int n = sequences.size();
            long[] last = new long[Math.max(n, 2)];
            for (int i = 0; i < n; i++) last[i] = rows.offset[i] + sequences.get(i).tokens().length - 1;
            if (n == 1) last[1] = rows.padded - 1 == last[0] ? 0 : rows.padded - 1;
            Tensor picked = h.indexSelect(1, Tensor.of(last, last.length));          // (1, max(N, 2), C)
            Forward head = model.child("lm_head");
            Tensor logits = head.forward(picked).contiguous();                       // (1, max(N, 2), V)
            int v = model.vocabSize();
            float[] flat = logits.toFloatArray();
            float[][] out = new float[n][];
            for (int i = 0; i < n; i++) out[i] = java.util.Arrays.copyOfRange(flat, i * v, (i + 1) * v);
            return out;
        }
    }

    /** Where each sequence's rows sit, their positions, and the row count after padding. */
    private static final class Layout {
        final List<Sequence> sequences;
        final int[] offset;
        final int rows, padded;
        final long[] ids, positions;   // (padded) each

        Layout(List<Sequence> sequences, int maxLength) {
            this.sequences = sequences;
            offset = new int[sequences.size()];
            int r = 0;
            for (int i = 0; i < sequences.size(); i++) {
                Sequence s = sequences.get(i);
                if (s.tokens().length < 1) throw new IllegalArgumentException("BatchedForward: sequence " + i + " has no new tokens");
                s.cache().checkRoom(1, s.tokens().length);
                if (s.cache().length() + s.tokens().length > maxLength)
                    throw new IllegalArgumentException("BatchedForward: sequence " + i + " would exceed the model's "
                            + maxLength + " positions");
                offset[i] = r;
                r += s.tokens().length;
            }
            rows = r;
            padded = Math.max(r, 2);
            ids = new long[padded];
            positions = new long[padded];
            for (int i = 0; i < sequences.size(); i++) {
                Sequence s = sequences.get(i);
                for (int t = 0; t < s.tokens().length; t++) {
                    ids[offset[i] + t] = s.tokens()[t];
                    positions[offset[i] + t] = s.cache().length() + t;
                }
            }
        }

        int size() {
            return sequences.size();
        }

        int length(int i) {
            return sequences.get(i).tokens().length;
        }

        /** Rows {@code [offset, offset + T)} of sequence {@code i} of {@code x (1, R, W)}: a view (1, T, W). */
        Tensor of(Tensor x, int i) {
            return x.narrow(1, offset[i], length(i));
        }

        /** The per-sequence results {@code (1, Tᵢ, W)} laid back out as {@code (1, R, W)}, zeros for a padding row. */
        Tensor join(List<Tensor> parts, int width) {
            if (padded > rows) parts.add(Tensor.zeros(1, padded - rows, width));
            return Tensor.cat(parts, 1);
        }
    }

    /**
     * A linear layer over all rows: the base once, then each sequence's adapter branch on its own rows.
     * {@code x (1, R, in)} → {@code (1, R, out)}.
     */
    private static Tensor linear(Module parent, String name, String path, Tensor x, Layout rows) {
        Forward base = parent.child(name);
        Tensor y = base.forward(x);
        for (int i = 0; i < rows.size(); i++) {
            Adapter adapter = rows.sequences.get(i).adapter();
            if (adapter == null) continue;
            Tensor delta = adapter.delta(path, rows.of(x, i));
            if (delta != null) rows.of(y, i).addInPlace(delta);
        }
        return y;
    }

    // ---- LLaMA ------------------------------------------------------------------------------------

    private static Tensor llamaHidden(LlamaModel m, Layout rows) {
        LlamaConfig c = m.config();
        Module backbone = m.child("model");
        Forward embed = backbone.child("embed_tokens"), norm = backbone.child("norm");
        ModuleList layers = backbone.child("layers");
        Tensor x = embed.forward(Tensor.of(rows.ids, 1, rows.padded));                  // (1, R, D)
        for (int l = 0; l < layers.size(); l++) {
            Module block = layers.get(l), attn = block.child("self_attn"), mlp = block.child("mlp");
            String p = "model.layers." + l + ".";
            Forward inNorm = block.child("input_layernorm"), postNorm = block.child("post_attention_layernorm");
            Tensor a = inNorm.forward(x);
            Tensor q = linear(attn, "q_proj", p + "self_attn.q_proj", a, rows);            // (1, R, D)
            Tensor k = linear(attn, "k_proj", p + "self_attn.k_proj", a, rows);            // (1, R, Hkv·hd)
            Tensor v = linear(attn, "v_proj", p + "self_attn.v_proj", a, rows);
            List<Tensor> parts = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                KvCache cache = rows.sequences.get(i).cache();
                int start = cache.length();
                Tensor qi = Rope.apply(Heads.split(rows.of(q, i), c.nHeads()), start, c.ropeTheta(), c.ropeStyle());
                Tensor ki = Rope.apply(Heads.split(rows.of(k, i), c.nKvHeads()), start, c.ropeTheta(), c.ropeStyle());
                Tensor vi = Heads.split(rows.of(v, i), c.nKvHeads());
                parts.add(Heads.merge(Heads.causalAttention(qi, ki, vi, cache, l, 0, null)));   // (1, Tᵢ, D)
            }
            x = x.add(linear(attn, "o_proj", p + "self_attn.o_proj", rows.join(parts, c.dim()), rows));
            Tensor b = postNorm.forward(x);
            Tensor gate = linear(mlp, "gate_proj", p + "mlp.gate_proj", b, rows);          // (1, R, hidden)
            Tensor up = linear(mlp, "up_proj", p + "mlp.up_proj", b, rows);
            x = x.add(linear(mlp, "down_proj", p + "mlp.down_proj", gate.silu().mul(up), rows));
        }
        return norm.forward(x);                                                          // (1, R, D)
    }

    // ---- GPT-2 ------------------------------------------------------------------------------------

    private static Tensor gptHidden(GptModel m, Layout rows) {
        GptConfig c = m.config();
        Module t = m.child("transformer");
        Forward wte = t.child("wte"), wpe = t.child("wpe"), lnF = t.child("ln_f");
        ModuleList blocks = t.child("h");
        Tensor x = wte.forward(Tensor.of(rows.ids, 1, rows.padded))
                .add(wpe.forward(Tensor.of(rows.positions, rows.padded)));                // (1, R, C)
        int e = c.nEmbd();
        for (int l = 0; l < blocks.size(); l++) {
            Module block = blocks.get(l), attn = block.child("attn"), mlp = block.child("mlp");
            String p = "transformer.h." + l + ".";
            Forward ln1 = block.child("ln_1"), ln2 = block.child("ln_2"), act = mlp.child("act");
            Tensor qkv = linear(attn, "c_attn", p + "attn.c_attn", ln1.forward(x), rows);  // (1, R, 3C)
            List<Tensor> parts = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                Tensor rowsI = rows.of(qkv, i);
                Tensor q = Heads.split(rowsI.narrow(2, 0, e), c.nHead());
                Tensor k = Heads.split(rowsI.narrow(2, e, e), c.nHead());
                Tensor v = Heads.split(rowsI.narrow(2, 2 * e, e), c.nHead());
                parts.add(Heads.merge(Heads.causalAttention(q, k, v, rows.sequences.get(i).cache(), l, 0, null)));
            }
            x = x.add(linear(attn, "c_proj", p + "attn.c_proj", rows.join(parts, e), rows));
            Tensor hidden = act.forward(linear(mlp, "c_fc", p + "mlp.c_fc", ln2.forward(x), rows));   // (1, R, 4C)
            x = x.add(linear(mlp, "c_proj", p + "mlp.c_proj", hidden, rows));
        }
        return lnF.forward(x);
    }
}
