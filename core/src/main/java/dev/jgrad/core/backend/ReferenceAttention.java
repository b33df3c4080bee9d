package dev.jgrad.core.backend;

import dev.jgrad.core.Tensor;

/**
 * The naive, materialised attention and rotary embedding of {@link ReferenceBackend}: for every query row the
 * whole score row is built, soft-maxed and used, in double precision, whatever the storage type. Obviously right
 * by construction; the test oracle of {@link VectorAttention} and {@link VectorRope} and the float64 path of the
 * gradient checks.
 */
final class ReferenceAttention {

    private ReferenceAttention() {}

    /** Element {@code [i0, i1, i2, i3]} of a 4-D view. */
    private static double get(Tensor t, int i0, int i1, int i2, int i3) {
        return t.storage().getDouble(t.offset() + i0 * t.stride(0) + i1 * t.stride(1) + i2 * t.stride(2) + i3 * t.stride(3));
    }

    private static void set(Tensor t, int i0, int i1, int i2, int i3, double value) {
        t.storage().setDouble(t.offset() + i0 * t.stride(0) + i1 * t.stride(1) + i2 * t.stride(2) + i3 * t.stride(3), value);
    }

    /** True when query {@code i} may attend to key {@code j} of batch {@code b}. */
    private static boolean visible(Tensor mask, AttentionParams p, int b, int i, int j, int tq, int tk) {
        int pos = tk - tq + i;   // the query's absolute position
        if (p.causal() && j > pos) return false;
        if (p.window() > 0 && j <= pos - p.window()) return false;
        return mask == null || mask.storage().getDouble(mask.offset() + b * mask.stride(0) + j * mask.stride(1)) == 0;
    }

    /**
     * The attention weights of row {@code (b, h, i)}: {@code softmax(scale · q·kᵀ)} over the visible keys, 0
     * elsewhere; null when no key is visible. {@code lse[0]} receives the row's log-sum-exp.
     */
    private static double[] weights(Tensor q, Tensor k, Tensor mask, AttentionParams p, int b, int h, int i,
                                    double[] lse) {
        int tq = q.size(2), tk = k.size(2), d = q.size(3), g = h / (q.size(1) / k.size(1));
        double[] s = new double[tk];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < tk; j++) {
            if (!visible(mask, p, b, i, j, tq, tk)) {
                s[j] = Double.NEGATIVE_INFINITY;
                continue;
            }
            double dot = 0;
            for (int e = 0; e < d; e++) dot += get(q, b, h, i, e) * get(k, b, g, j, e);
            s[j] = p.scale() * dot;
            max = Math.max(max, s[j]);
        }
        lse[0] = Double.NEGATIVE_INFINITY;
        if (max == Double.NEGATIVE_INFINITY) return null;
        double sum = 0;
        for (int j = 0; j < tk; j++) sum += Math.exp(s[j] - max);
        for (int j = 0; j < tk; j++) s[j] = Math.exp(s[j] - max) / sum;
        lse[0] = max + Math.log(sum);
        return s;
    }

    /** The dropout factor of weight {@code j}: 0 if dropped, {@code 1/(1 − p)} if kept, 1 without dropout. */
    private static double dropFactor(AttentionParams p, int rowKey, int threshold, int j) {
        if (!p.dropout()) return 1;
        return AttentionDropout.keep(rowKey, j, threshold) ? 1 / (1 - p.dropoutP()) : 0;
    }

    static void forward(Tensor q, Tensor k, Tensor v, Tensor mask, AttentionParams p, Tensor out, Tensor lse) {
        int batch = q.size(0), heads = q.size(1), tq = q.size(2), d = q.size(3), tk = k.size(2);
        int group = heads / k.size(1), threshold = AttentionDropout.threshold(p.dropoutP());
        double[] rowLse = new double[1];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < tq; i++) {
                    double[] w = weights(q, k, mask, p, b, h, i, rowLse);
                    int rowKey = AttentionDropout.rowKey(p.dropoutSeed(), b, h, i);
                    lse.storage().setDouble(lse.offset() + b * lse.stride(0) + h * lse.stride(1) + i * lse.stride(2),
                            rowLse[0]);
                    for (int e = 0; e < d; e++) {
                        double acc = 0;
                        if (w != null) {
                            for (int j = 0; j < tk; j++)
                                if (w[j] != 0) acc += w[j] * dropFactor(p, rowKey, threshold, j) * get(v, b, h / group, j, e);
                        }
                        set(out, b, h, i, e, acc);
                    }
                }
            }
        }
    }

    /**
     * For each row, with {@code P} its weights, {@code Z} its dropout factors and {@code dO} its output gradient:
     * {@code dV_j += P_j Z_j dO}, {@code dP_j = Z_j (dO·v_j)}, {@code dS_j = P_j (dP_j − Σ_l P_l dP_l)},
     * {@code dq = scale Σ_j dS_j k_j}, {@code dk_j += scale dS_j q}. The weights are recomputed from scratch; the
     * forward's {@code out} and {@code lse} are not needed here.
     */
    static void backward(Tensor q, Tensor k, Tensor v, Tensor mask, AttentionParams p, Tensor gradOut,
                         Tensor gradQ, Tensor gradK, Tensor gradV) {
        int batch = q.size(0), heads = q.size(1), tq = q.size(2), d = q.size(3), kvHeads = k.size(1), tk = k.size(2);
        int group = heads / kvHeads, threshold = AttentionDropout.threshold(p.dropoutP());
        double[][] gk = new double[batch * kvHeads * tk][d], gv = new double[batch * kvHeads * tk][d];
        double[] rowLse = new double[1];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int g = h / group;
                for (int i = 0; i < tq; i++) {
                    double[] w = weights(q, k, mask, p, b, h, i, rowLse);
                    double[] gq = new double[d];
                    if (w != null) {
                        int rowKey = AttentionDropout.rowKey(p.dropoutSeed(), b, h, i);
                        double[] dp = new double[tk];
                        double dot = 0;
                        for (int j = 0; j < tk; j++) {
                            double z = dropFactor(p, rowKey, threshold, j);
                            double dOv = 0;
                            for (int e = 0; e < d; e++) dOv += get(gradOut, b, h, i, e) * get(v, b, g, j, e);
                            dp[j] = z * dOv;
                            dot += w[j] * dp[j];
                            for (int e = 0; e < d; e++) gv[(b * kvHeads + g) * tk + j][e] += w[j] * z * get(gradOut, b, h, i, e);
                        }
                        for (int j = 0; j < tk; j++) {
                            double ds = w[j] * (dp[j] - dot) * p.scale();
                            for (int e = 0; e < d; e++) {
                                gq[e] += ds * get(k, b, g, j, e);
                                gk[(b * kvHeads + g) * tk + j][e] += ds * get(q, b, h, i, e);
                            }
                        }
                    }
                    for (int e = 0; e < d; e++) set(gradQ, b, h, i, e, gq[e]);
                }
            }
        }
        for (int b = 0; b < batch; b++)
            for (int g = 0; g < kvHeads; g++)
                for (int j = 0; j < tk; j++)
                    for (int e = 0; e < d; e++) {
                        set(gradK, b, g, j, e, gk[(b * kvHeads + g) * tk + j][e]);
                        set(gradV, b, g, j, e, gv[(b * kvHeads + g) * tk + j][e]);
                    }
    }

    /** Rotary embedding, pair by pair, with the angle {@code pos · θ^(−2i/D)} in double precision. */
    static void rope(Tensor x, Tensor positions, double theta, boolean interleaved, boolean inverse, Tensor out) {
        int batch = x.size(0), heads = x.size(1), t = x.size(2), d = x.size(3), half = d / 2;
        boolean perBatch = positions.rank() == 2;
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < t; s++) {
                int posIndex = perBatch ? positions.offset() + b * positions.stride(0) + s * positions.stride(1)
                        : positions.offset() + s * positions.stride(0);
                long pos = positions.storage().getLong(posIndex);
                for (int i = 0; i < half; i++) {
                    double angle = pos * RopeTables.inverseFrequency(theta, d, i);
                    double cos = StrictMath.cos(angle), sin = inverse ? -StrictMath.sin(angle) : StrictMath.sin(angle);
                    int i1 = interleaved ? 2 * i : i, i2 = interleaved ? 2 * i + 1 : i + half;
                    for (int h = 0; h < heads; h++) {
                        double x1 = get(x, b, h, s, i1), x2 = get(x, b, h, s, i2);
                        set(out, b, h, s, i1, x1 * cos - x2 * sin);
                        set(out, b, h, s, i2, x2 * cos + x1 * sin);
                    }
                }
            }
        }
    }
}
