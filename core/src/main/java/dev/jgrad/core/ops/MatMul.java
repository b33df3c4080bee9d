package dev.jgrad.core.ops;

import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.Autograd;

/**
 * Matrix product with torch.matmul's rules, and its backward.
 *
 * <p>For {@code C = A · B}: {@code dA = dC · Bᵀ} and {@code dB = Aᵀ · dC}. The transposes are views (swapped
 * strides), and the backend reads a transposed operand as such, so no transpose is ever materialised.
 *
 * <p>Shapes: 1-D·1-D is a dot product; a 1-D left operand is a row vector and a 1-D right operand a column
 * vector (the added dimension is removed from the result); otherwise the last two dims multiply and the
 * leading (batch) dims broadcast. When the right operand is a plain matrix, the batch dims of the left
 * operand fold into its rows, so {@code (B, T, C) · (C, D)} is a single {@code (B·T, C) · (C, D)} GEMM and its
 * weight gradient a single {@code (C, B·T) · (B·T, D)} GEMM.
 */
public final class MatMul {

    private MatMul() {}

    public static Tensor matmul(Tensor a, Tensor b) {
        Elementwise.checkFloat("matmul", a, b);
        if (a.rank() == 0 || b.rank() == 0)
            throw new IllegalArgumentException("matmul: both operands need at least 1 dimension, got shapes "
                    + Shape.str(a.shape()) + " and " + Shape.str(b.shape()));
        if (a.rank() == 1 && b.rank() == 1) {
            checkInner(a, b, a.size(0), b.size(0));
            return matmul(a.unsqueeze(0), b.unsqueeze(1)).reshape();
        }
        if (a.rank() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
        if (b.rank() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
        checkInner(a, b, a.size(-1), b.size(-2));
        if (b.rank() == 2 && a.rank() > 2 && foldable(a)) {
            int[] as = a.shape();
            int rows = Shape.numel(as) / as[as.length - 1];
            Tensor c2 = matmulBatched(a.reshape(rows, as[as.length - 1]), b);
            int[] outShape = as.clone();
            outShape[outShape.length - 1] = b.size(1);
            return c2.reshape(outShape);
        }
        return matmulBatched(a, b);
    }

    private static Tensor matmulBatched(Tensor a, Tensor b) {
        int[] as = a.shape(), bs = b.shape();
        int m = as[as.length - 2], k = as[as.length - 1], n = bs[bs.length - 1];
        int[] batchA = java.util.Arrays.copyOf(as, as.length - 2), batchB = java.util.Arrays.copyOf(bs, bs.length - 2);
        int[] batch = Shape.broadcast("matmul", batchA, batchB);
        int[] outShape = java.util.Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        Tensor out = Tensor.empty(a.dtype(), a.device(), outShape);
        product(a, b, out, batch, 0f);
        return Autograd.record("matmul", out, new Tensor[] {a, b}, new Tensor[] {a, b}, g -> new Tensor[] {
                a.requiresGrad() ? Elementwise.sumToShape(rawMatmul(g, Views.transpose(b, -1, -2)), as) : null,
                b.requiresGrad() ? Elementwise.sumToShape(rawMatmul(Views.transpose(a, -1, -2), g), bs) : null});
    }

    /** Product without recording a graph (used by backward passes; broadcasting as matmul). */
    static Tensor rawMatmul(Tensor a, Tensor b) {
        int[] as = a.shape(), bs = b.shape();
        int m = as[as.length - 2], n = bs[bs.length - 1];
        int[] batch = Shape.broadcast("matmul", java.util.Arrays.copyOf(as, as.length - 2),
                java.util.Arrays.copyOf(bs, bs.length - 2));
        int[] outShape = java.util.Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        Tensor out = Tensor.empty(a.dtype(), a.device(), outShape);
        product(a, b, out, batch, 0f);
        return out;
    }

    /** Runs the backend GEMM over the broadcast batch, as 3-D views where possible. */
    private static void product(Tensor a, Tensor b, Tensor out, int[] batch, float beta) {
        int nb = Shape.numel(batch);
        int[] as = a.shape(), bs = b.shape();
        int m = as[as.length - 2], k = as[as.length - 1], n = bs[bs.length - 1];
        Tensor a3 = batched3d(a, batch, nb, m, k);
        Tensor b3 = batched3d(b, batch, nb, k, n);
        Tensor o3 = new Tensor(out.storage(), new int[] {nb, m, n}, new int[] {m * n, n, 1}, out.offset());
        out.backend().matmul(a3, b3, o3, beta);
    }

    /**
     * {@code x} broadcast to {@code batch ++ (r, c)} as a {@code (nb, r, c)} view: one batch stride must
     * describe all batch dims (true for contiguous batches and for full broadcasts); otherwise copy. The
     * matrix part must have a unit stride in one of its two dims.
     */
    private static Tensor batched3d(Tensor x, int[] batch, int nb, int r, int c) {
        int[] full = java.util.Arrays.copyOf(batch, batch.length + 2);
        full[batch.length] = r;
        full[batch.length + 1] = c;
        Tensor e = Views.expandView(x, full);
        int[] st = e.strides();
        int rs = st[batch.length], cs = st[batch.length + 1];
        boolean unit = cs == 1 || rs == 1 || r == 1 || c == 1;
        Integer bstride = singleBatchStride(batch, st);
        if (!unit || bstride == null) {
            e = e.contiguousCopy();
            st = e.strides();
            rs = st[batch.length];
            cs = st[batch.length + 1];
            bstride = r * c;
        }
        // Normalise degenerate dims so the backend sees a unit stride where the layout allows it.
        if (c == 1) cs = 1;
        if (r == 1 && cs != 1) rs = 1;
        return new Tensor(e.storage(), new int[] {nb, r, c}, new int[] {bstride, rs, cs}, e.offset());
    }

    /** The stride of the flattened batch index, or null when the batch dims are not uniformly strided. */
    private static Integer singleBatchStride(int[] batch, int[] strides) {
        int nb = Shape.numel(batch);
        if (nb <= 1) return 0;
        // All broadcast: stride 0 everywhere.
        boolean allZero = true;
        for (int i = 0; i < batch.length; i++) if (batch[i] != 1 && strides[i] != 0) allZero = false;
        if (allZero) return 0;
        int expected = -1;
        for (int i = batch.length - 1; i >= 0; i--) {
            if (batch[i] == 1) continue;
            if (expected == -1) expected = strides[i] * batch[i];
            else if (strides[i] != expected) return null;
            else expected = strides[i] * batch[i];
        }
        int inner = -1;
        for (int i = batch.length - 1; i >= 0; i--) if (batch[i] != 1) { inner = strides[i]; break; }
        return inner;
    }

    /** True when the leading dims of {@code a} fold into its rows without a copy (row-contiguous). */
    private static boolean foldable(Tensor a) {
        int[] s = a.shape(), st = a.strides();
        if (st[s.length - 1] != 1) return false;
        int expected = st[s.length - 2];
        for (int i = s.length - 2; i >= 0; i--) {
            if (s[i] == 1) continue;
            if (st[i] != expected) return false;
            expected = st[i] * s[i];
        }
        return true;
    }

    private static void checkInner(Tensor a, Tensor b, int ka, int kb) {
        if (ka != kb)
            throw new IllegalArgumentException("matmul: shapes " + Shape.str(a.shape()) + " and " + Shape.str(b.shape())
                    + " cannot be multiplied (" + ka + " != " + kb + ")");
    }
}
