package dev.jgrad.core.ops;

import dev.jgrad.core.Tensor;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static java.util.Map.entry;

/**
 * The op cases of {@code core/src/test/scripts/make_op_goldens.py}, written with jgrad's API. The names and
 * input order match the script one for one; each maps the inputs (floats, int indices, bool masks) to the
 * output whose backward the goldens record.
 */
final class OpCases {

    private OpCases() {}

    static Tensor arangeLike(Tensor x, int... shape) {
        return Tensor.arange(0, x.numel(), 1, x.dtype()).reshape(shape);
    }

    static final Map<String, Function<Tensor[], Tensor>> CASES = Map.ofEntries(
            // unary
            entry("neg", a -> a[0].neg()),
            entry("exp", a -> a[0].exp()),
            entry("log", a -> a[0].log()),
            entry("sqrt", a -> a[0].sqrt()),
            entry("rsqrt", a -> a[0].rsqrt()),
            entry("abs", a -> a[0].abs()),
            entry("square", a -> a[0].square()),
            entry("sin", a -> a[0].sin()),
            entry("cos", a -> a[0].cos()),
            entry("tanh", a -> a[0].tanh()),
            entry("sigmoid", a -> a[0].sigmoid()),
            entry("relu", a -> a[0].relu()),
            entry("gelu", a -> a[0].gelu()),
            entry("gelu_tanh", a -> a[0].geluTanh()),
            entry("silu", a -> a[0].silu()),
            entry("clamp", a -> a[0].clamp(-0.5, 0.7)),
            // binary
            entry("add", a -> a[0].add(a[1])),
            entry("add_bcast2", a -> a[0].add(a[1])),
            entry("sub", a -> a[0].sub(a[1])),
            entry("mul", a -> a[0].mul(a[1])),
            entry("div", a -> a[0].div(a[1])),
            entry("pow", a -> a[0].pow(a[1])),
            entry("pow_scalar", a -> a[0].pow(3.0)),
            entry("maximum", a -> a[0].maximum(a[1])),
            entry("minimum", a -> a[0].minimum(a[1])),
            // reductions
            entry("sum_all", a -> a[0].sum()),
            entry("sum_dim1", a -> a[0].sum(1, false)),
            entry("sum_dims02_keep", a -> a[0].sum(new int[] {0, 2}, true)),
            entry("mean_dim_last", a -> a[0].mean(-1, false)),
            entry("mean_dims01", a -> a[0].mean(new int[] {0, 1}, false)),
            entry("var_pop", a -> a[0].var(1, false, 0)),
            entry("var_sample_keep", a -> a[0].var(0, true, 1)),
            entry("std", a -> a[0].std(1, false, 1)),
            entry("max_dim", a -> a[0].max(1, false)),
            entry("min_dim0_keep", a -> a[0].min(0, true)),
            entry("logsumexp", a -> a[0].logsumexp(-1, false)),
            entry("logsumexp_dim0", a -> a[0].logsumexp(0, true)),
            entry("softmax", a -> a[0].softmax(-1)),
            entry("softmax_dim1", a -> a[0].softmax(1)),
            entry("log_softmax", a -> a[0].logSoftmax(-1)),
            // matrix products
            entry("matmul_2d", a -> a[0].matmul(a[1])),
            entry("matmul_batched", a -> a[0].matmul(a[1])),
            entry("matmul_bcast_batch", a -> a[0].matmul(a[1])),
            entry("matmul_3d_2d", a -> a[0].matmul(a[1])),
            entry("matmul_vec_mat", a -> a[0].matmul(a[1])),
            entry("matmul_mat_vec", a -> a[0].matmul(a[1])),
            entry("matmul_dot", a -> a[0].matmul(a[1])),
            entry("matmul_transposed", a -> a[0].transpose(0, 1).matmul(a[1].transpose(0, 1))),
            // views
            entry("reshape", a -> a[0].reshape(4, 6).mul(arangeLike(a[0], 4, 6))),
            entry("permute", a -> a[0].permute(2, 0, 1).mul(arangeLike(a[0], 4, 2, 3))),
            entry("narrow", a -> a[0].narrow(1, 1, 3)),
            entry("expand", a -> a[0].expand(3, 4, 5).mul(Tensor.arange(0, 60, 1, a[0].dtype()).reshape(3, 4, 5))),
            entry("unsqueeze_squeeze", a -> a[0].unsqueeze(1).squeeze(1).mul(2.0)),
            entry("transpose_contig", a -> a[0].transpose(0, 1).contiguous().mul(arangeLike(a[0], 4, 3))),
            // indexing
            entry("index_select", a -> a[0].indexSelect(0, a[1])),
            entry("index_select_dim1", a -> a[0].indexSelect(1, a[1])),
            entry("embedding", a -> a[0].embedding(a[1])),
            entry("gather", a -> a[0].gather(1, a[1])),
            entry("gather_dim0", a -> a[0].gather(0, a[1])),
            entry("where", a -> Tensor.where(a[0], a[1], a[2])),
            entry("masked_fill", a -> a[0].maskedFill(a[1], -1.5)),
            entry("tril", a -> a[0].tril(0)),
            entry("tril_diag1", a -> a[0].tril(1)),
            entry("triu", a -> a[0].triu(-1)),
            entry("cat", a -> Tensor.cat(List.of(a[0], a[1]), 1)),
            entry("stack", a -> Tensor.stack(List.of(a[0], a[1]), 0)),
            entry("split_sum", a -> {
                List<Tensor> parts = a[0].split(2, 1);
                Tensor total = null;
                for (int k = 0; k < parts.size(); k++) {
                    Tensor term = parts.get(k).sum().mul(k + 1.0);
                    total = total == null ? term : total.add(term);
                }
                return total;
            }),
            entry("chunk_prod", a -> a[0].chunk(3, 0).get(1).mul(a[0].chunk(3, 0).get(2))),
            // comparisons (forward only)
            entry("cmp_eq", a -> a[0].eq(a[1])),
            entry("cmp_lt", a -> a[0].lt(a[1])),
            entry("cmp_gt", a -> a[0].gt(a[1])),
            entry("cmp_le", a -> a[0].le(a[1])),
            entry("cmp_ge", a -> a[0].ge(a[1])),
            entry("cmp_ne", a -> a[0].ne(a[1])));
}
