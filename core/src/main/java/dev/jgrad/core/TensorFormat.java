package dev.jgrad.core;

import java.util.Locale;

/** PyTorch-like printing: {@code tensor([[1.0000, 2.0000], ...], shape=[2, 2], dtype=F32)}. */
final class TensorFormat {

    private static final int EDGE = 3;       // elements shown at each end of a long dimension
    private static final int SUMMARIZE = 1000;

    private TensorFormat() {}

    static String format(Tensor t) {
        StringBuilder sb = new StringBuilder("tensor(");
        Tensor host = t.backend().toCpu(t);
        boolean summarize = t.numel() > SUMMARIZE;
        append(sb, host, 0, host.offset(), summarize, 7);
        sb.append(", shape=").append(Shape.str(t.shape())).append(", dtype=").append(t.dtype());
        if (!t.device().isCpu()) sb.append(", device=").append(t.device());
        if (t.gradFn() != null) sb.append(", grad_fn=").append(t.gradFn());
        else if (t.requiresGrad()) sb.append(", requires_grad=true");
        return sb.append(')').toString();
    }

    private static void append(StringBuilder sb, Tensor t, int dim, int pos, boolean summarize, int indent) {
        Storage s = t.storage();
        if (t.rank() == 0) {
            sb.append(value(s, pos, t.dtype()));
            return;
        }
        int n = t.size(dim), stride = t.stride(dim);
        sb.append('[');
        for (int i = 0; i < n; i++) {
            if (summarize && n > 2 * EDGE && i == EDGE) {
                sb.append(dim == t.rank() - 1 ? "..., " : "...,\n" + " ".repeat(indent + dim + 1));
                i = n - EDGE;
            }
            if (dim == t.rank() - 1) sb.append(value(s, pos + i * stride, t.dtype()));
            else append(sb, t, dim + 1, pos + i * stride, summarize, indent);
            if (i < n - 1) sb.append(dim == t.rank() - 1 ? ", " : ",\n" + " ".repeat(indent + dim + 1));
        }
        sb.append(']');
    }

    private static String value(Storage s, int i, DType dtype) {
        return switch (dtype) {
            case BOOL -> s.getDouble(i) != 0 ? "true" : "false";
            case I64, I32, I16, I8, U8 -> Long.toString(s.getLong(i));
            default -> String.format(Locale.ROOT, "%.4f", s.getDouble(i));
        };
    }
}
