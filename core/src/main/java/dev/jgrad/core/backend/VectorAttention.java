package dev.jgrad.core.backend;

import dev.jgrad.core.Tensor;
import dev.jgrad.core.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Tiled (flash-attention-2 style) scaled dot-product attention in float32 on the Vector API.
 *
 * <h2>Forward</h2>
 * One task per (batch, query head, block of {@value #BLOCK_Q} queries). For each block of {@value #BLOCK_K} keys:
 * <pre>
 *   S = Q_i · K_jᵀ                                  (Br, Bc) scores, the only piece of the (Tq, Tk) matrix that exists
 *   S = scale·S + key bias; −∞ where masked          padding mask as a −∞ bias, causal limit per row
 *   m' = max(m, rowmax S);  α = e^(m − m')            online softmax: running max m and running sum l per row
 *   P = e^(S − m');  l = α·l + rowsum P;  O = α·O     (rowsum P kept as a vector of lane sums until the end)
 *   O += dropout(P) · V_j
 * </pre>
 * then {@code O /= l} and {@code lse = m + ln l}. Key blocks that lie wholly in a row block's causal future, or
 * wholly before its sliding window, are never visited; inside a block, a sliding window masks each row's keys
 * before {@code pos − window + 1} like the causal limit masks those after {@code pos}. {@code Kᵀ} is transposed once per call, so every product is a plain row-major tile product
 * ({@link AttentionTiles}).
 *
 * <h2>Backward</h2>
 * One task per (batch, kv head): that task alone writes the dK, dV rows of its kv head and the dQ rows of the
 * query heads sharing it, so no two threads write the same row. With {@code δ_i = rowsum(dO ⊙ O)}:
 * <pre>
 *   for each key block j:                                dK_j, dV_j accumulate in the task's workspace
 *     for each query head h of the group, each query block i at or after the causal diagonal:
 *       P = e^(scale·Q_i·K_jᵀ + bias − lse_i)           recomputed from the saved log-sum-exp
 *       dV_j += (P ⊙ Z)ᵀ · dO_i                          Z: dropout factors (0 or 1/(1−p)), regenerated
 *       dP = (dO_i · V_jᵀ) ⊙ Z
 *       dS = scale · P ⊙ (dP − δ_i)
 *       dQ_i += dS · K_j;   dK_j += dSᵀ · Q_i
 * </pre>
 * ({@code δ_i = Σ_j P_ij dP_ij} because the dropped output is {@code O = (P ⊙ Z)·V}.)
 *
 * <h2>Determinism</h2>
 * Every output element is produced by exactly one task, in a fixed tile order; lane sums go through
 * {@link VectorMath#sumLanes}, exponentials through {@link VectorMath#exp} (scalars through {@link StrictMath}),
 * and the dropout mask is a hash of the coordinates ({@link AttentionDropout}). So results are bit-identical for
 * any thread count and partition.
 */
final class VectorAttention {

    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final VectorSpecies<Integer> SI = IntVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Queries per tile. */
    static final int BLOCK_Q = 64;
    /** Keys per tile (a multiple of every vector length). */
    static final int BLOCK_K = 64;
    private static final float NEG_INF = Float.NEGATIVE_INFINITY;
    private static final int[] IOTA = new int[SI.length()];

    static {
        for (int i = 0; i < IOTA.length; i++) IOTA[i] = i;
    }

    private VectorAttention() {}

    /** A float32 (B, H, T, D) view with unit stride along D. */
    private record Heads(float[] a, int off, int sb, int sh, int st) {
        static Heads of(Tensor t) {
            return new Heads(VectorBackend.f(t), t.offset(), t.stride(0), t.stride(1), t.stride(2));
        }

        int row(int b, int h, int i) {
            return off + b * sb + h * sh + i * st;
        }
    }

    /** Per-thread tiles, grown on demand. */
    private static final class Workspace {
        final float[] s = new float[BLOCK_Q * BLOCK_K], pd = new float[BLOCK_Q * BLOCK_K];
        final float[] dp = new float[BLOCK_Q * BLOCK_K];
        final float[] m = new float[BLOCK_Q], l = new float[BLOCK_Q * L], tile = AttentionTiles.newTile();
        float[] o = new float[0], dk = new float[0], dv = new float[0], delta = new float[0];

        Workspace ensure(int d, int deltaRows) {
            if (o.length < BLOCK_Q * d) o = new float[BLOCK_Q * d];
            if (dk.length < BLOCK_K * d) {
                dk = new float[BLOCK_K * d];
                dv = new float[BLOCK_K * d];
            }
            if (delta.length < deltaRows) delta = new float[deltaRows];
            return this;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    static void forward(Tensor q, Tensor k, Tensor v, Tensor mask, AttentionParams params, Tensor out, Tensor lse) {
        Problem pr = new Problem(q, k, v, mask, params, false);
        int qBlocks = (pr.tq + BLOCK_Q - 1) / BLOCK_Q;
        float[] os = VectorBackend.f(out), ls = VectorBackend.f(lse);
        int oOff = out.offset(), lOff = lse.offset();
        Parallel.forRange(pr.batch * pr.heads * qBlocks, 1, (from, to) -> {
            Workspace ws = WORKSPACE.get().ensure(pr.d, 0);
            for (int task = from; task < to; task++) {
                int bh = task / qBlocks;
                pr.forwardBlock(ws, bh / pr.heads, bh % pr.heads, task % qBlocks * BLOCK_Q, os, oOff, ls, lOff);
            }
        });
    }

    static void backward(Tensor q, Tensor k, Tensor v, Tensor mask, AttentionParams params, Tensor out, Tensor lse,
                         Tensor gradOut, Tensor gradQ, Tensor gradK, Tensor gradV) {
        Problem pr = new Problem(q, k, v, mask, params, true);
        Heads o = Heads.of(out), g = Heads.of(gradOut);
        Parallel.forRange(pr.batch * pr.kvHeads, 1, (from, to) -> {
            Workspace ws = WORKSPACE.get().ensure(pr.d, pr.group * pr.tq);
            for (int task = from; task < to; task++)
                pr.backwardGroup(ws, task / pr.kvHeads, task % pr.kvHeads, o, g, lse, gradQ, gradK, gradV);
        });
    }

    /** One call's operands and settings, with K (and for the backward V) transposed per head. */
    private static final class Problem {
        final int batch, heads, kvHeads, group, tq, tk, d, shift, window;
        final Heads q, k, v;
        /** (B, Hkv, D, Tk): kt[((b·Hkv + g)·D + e)·Tk + j] = k[b, g, j, e]; likewise vt. */
        final float[] kt, vt;
        /** (B, Tk): 0 for a key that counts, −∞ for a padded one; null without a padding mask. */
        final float[] bias;
        final float scale, keepScale;
        final boolean causal, dropout;
        final long seed;
        final int threshold;

        Problem(Tensor qt, Tensor kt4, Tensor vt4, Tensor mask, AttentionParams p, boolean backward) {
            batch = qt.size(0);
            heads = qt.size(1);
            tq = qt.size(2);
            d = qt.size(3);
            kvHeads = kt4.size(1);
            tk = kt4.size(2);
            group = heads / kvHeads;
            shift = tk - tq;
            q = Heads.of(qt);
            k = Heads.of(kt4);
            v = Heads.of(vt4);
            kt = transposeHeads(k);
            vt = backward ? transposeHeads(v) : null;
            bias = mask == null ? null : keyBias(mask);
            scale = (float) p.scale();
            causal = p.causal();
            window = p.window();
            dropout = p.dropout();
            seed = p.dropoutSeed();
            threshold = AttentionDropout.threshold(p.dropoutP());
            keepScale = (float) (1 / (1 - p.dropoutP()));
        }

        private float[] transposeHeads(Heads x) {
            float[] t = new float[batch * kvHeads * d * tk];
            Parallel.forRange(batch * kvHeads, 1, (from, to) -> {
                for (int bg = from; bg < to; bg++) {
                    int base = bg * d * tk, row0 = x.row(bg / kvHeads, bg % kvHeads, 0);
                    for (int j0 = 0; j0 < tk; j0 += 16) { // 16 keys at a time: one cache line of each output row
                        int j1 = Math.min(tk, j0 + 16);
                        for (int e = 0; e < d; e++)
                            for (int j = j0, src = row0 + j0 * x.st + e; j < j1; j++, src += x.st) t[base + e * tk + j] = x.a[src];
                    }
                }
            });
            return t;
        }

        private float[] keyBias(Tensor mask) {
            float[] b = new float[batch * tk];
            for (int i = 0; i < batch; i++)
                for (int j = 0; j < tk; j++)
                    if (mask.storage().getDouble(mask.offset() + i * mask.stride(0) + j * mask.stride(1)) != 0)
                        b[i * tk + j] = NEG_INF;
            return b;
        }

        /** Keys of row r (of a block starting at query i0) visible in the key block at j0 with bc keys: {@code [first(..), visible(..))}. */
        private int visible(int i0, int r, int j0, int bc) {
            return causal ? Math.min(bc, shift + i0 + r - j0 + 1) : bc;
        }

        /** The first key of the block at j0 inside row r's sliding window (0 without a window). */
        private int first(int i0, int r, int j0) {
            return window > 0 ? Math.max(0, shift + i0 + r - window + 1 - j0) : 0;
        }

        /** Lanes {@code c .. c+L} of a tile row that lie in {@code [first, visible)}. */
        private static VectorMask<Float> inside(int c, int first, int visible) {
            VectorMask<Float> in = S.indexInRange(c, visible);
            return first > 0 ? in.andNot(S.indexInRange(c, first)) : in;
        }

        // ---- forward ------------------------------------------------------------------------------

        void forwardBlock(Workspace ws, int b, int h, int i0, float[] os, int oOff, float[] ls, int lOff) {
            int br = Math.min(BLOCK_Q, tq - i0), g = h / group;
            int kEnd = causal ? Math.min(tk, shift + i0 + br) : tk; // keys the block's last row can see
            float[] s = ws.s, o = ws.o, m = ws.m, l = ws.l;
            Arrays.fill(o, 0, br * d, 0f);
            Arrays.fill(m, 0, br, NEG_INF);
            Arrays.fill(l, 0, br * L, 0f);
            int qRow = q.row(b, h, i0), ktBase = (b * kvHeads + g) * d * tk, vRow = v.row(b, g, 0);
            int kStart = window > 0 ? Math.max(0, shift + i0 - window + 1) / BLOCK_K * BLOCK_K : 0; // first row's window
            for (int j0 = kStart; j0 < kEnd; j0 += BLOCK_K) {
                int bc = Math.min(BLOCK_K, kEnd - j0);
                AttentionTiles.gemm(br, bc, d, q.a, qRow, q.st, 1, kt, ktBase + j0, tk, s, 0, BLOCK_K, false, ws.tile);
                for (int r = 0; r < br; r++) {
                    int rowKey = dropout ? AttentionDropout.rowKey(seed, b, h, i0 + r) : 0;
                    onlineSoftmaxRow(s, r, first(i0, r, j0), visible(i0, r, j0, bc), bc, b * tk + j0, m, l, o, rowKey, j0);
                }
                AttentionTiles.gemm(br, d, bc, s, 0, BLOCK_K, 1, v.a, vRow + j0 * v.st, v.st, o, 0, d, true, ws.tile);
            }
            for (int r = 0; r < br; r++) {
                int outRow = oOff + ((b * heads + h) * tq + i0 + r) * d, lseAt = lOff + (b * heads + h) * tq + i0 + r;
                if (m[r] == NEG_INF) { // no visible key: zeros
                    Arrays.fill(os, outRow, outRow + d, 0f);
                    ls[lseAt] = NEG_INF;
                    continue;
                }
                float sum = VectorMath.sumLanes(FloatVector.fromArray(S, l, r * L));
                scaleRow(o, r * d, d, 1f / sum, os, outRow);
                ls[lseAt] = m[r] + (float) StrictMath.log(sum);
            }
        }

        /**
         * Turns row r of the score tile into (dropped) probabilities relative to the row's new running max,
         * rescaling the row's running sum and output by {@code α = e^(m_old − m_new)}.
         */
        private void onlineSoftmaxRow(float[] s, int r, int first, int visible, int bc, int biasAt, float[] m, float[] l,
                                      float[] o, int rowKey, int j0) {
            int so = r * BLOCK_K, width = roundUp(bc);
            if (visible <= first) {
                Arrays.fill(s, so, so + width, 0f);
                return;
            }
            FloatVector max = FloatVector.broadcast(S, NEG_INF);
            for (int c = 0; c < visible; c += L) {
                VectorMask<Float> in = inside(c, first, visible);
                FloatVector x = FloatVector.fromArray(S, s, so + c).mul(scale);
                if (bias != null) x = x.add(FloatVector.fromArray(S, bias, biasAt + c, in));
                x = x.blend(NEG_INF, in.not());
                x.intoArray(s, so + c);
                max = max.max(x);
            }
            float mOld = m[r], mNew = Math.max(mOld, max.reduceLanes(VectorOperators.MAX)); // max is exact
            if (mNew == NEG_INF) {
                Arrays.fill(s, so, so + width, 0f);
                return;
            }
            // α = e^(m_old − m_new); exactly 1 when the max did not move (most tiles after the first few)
            float alpha = mOld == mNew ? 1f : mOld == NEG_INF ? 0f : (float) StrictMath.exp(mOld - mNew);
            FloatVector vm = FloatVector.broadcast(S, mNew), sum = FloatVector.zero(S);
            for (int c = 0; c < width; c += L) {
                FloatVector e = VectorMath.exp(FloatVector.fromArray(S, s, so + c).sub(vm))
                        .blend(0f, inside(c, first, visible).not());
                sum = sum.add(e);
                if (dropout) e = e.mul(keepScale).blend(0f, dropped(rowKey, j0 + c));
                e.intoArray(s, so + c);
            }
            FloatVector.fromArray(S, l, r * L).mul(alpha).add(sum).intoArray(l, r * L);
            if (alpha != 1f) scaleRow(o, r * d, d, alpha, o, r * d);
            m[r] = mNew;
        }

        // ---- backward -----------------------------------------------------------------------------

        void backwardGroup(Workspace ws, int b, int g, Heads o, Heads gOut, Tensor lse, Tensor gradQ, Tensor gradK,
                           Tensor gradV) {
            float[] delta = ws.delta, dk = ws.dk, dv = ws.dv, gq = VectorBackend.f(gradQ);
            int h0 = g * group;
            for (int hh = 0; hh < group; hh++) {
                for (int i = 0; i < tq; i++) delta[hh * tq + i] = dot(gOut.a, gOut.row(b, h0 + hh, i), o.a, o.row(b, h0 + hh, i), d);
                int gqRow = gradQ.offset() + (b * heads + h0 + hh) * tq * d;
                Arrays.fill(gq, gqRow, gqRow + tq * d, 0f);
            }
            float[] la = VectorBackend.f(lse);
            int ktBase = (b * kvHeads + g) * d * tk;
            for (int j0 = 0; j0 < tk; j0 += BLOCK_K) {
                int bc = Math.min(BLOCK_K, tk - j0);
                Arrays.fill(dk, 0, bc * d, 0f);
                Arrays.fill(dv, 0, bc * d, 0f);
                int firstRow = causal ? Math.max(0, j0 - shift) : 0; // the first query that sees key j0
                for (int hh = 0; hh < group; hh++) {
                    int h = h0 + hh;
                    for (int i0 = firstRow / BLOCK_Q * BLOCK_Q; i0 < tq; i0 += BLOCK_Q) {
                        int br = Math.min(BLOCK_Q, tq - i0), qRow = q.row(b, h, i0), gRow = gOut.row(b, h, i0);
                        int lseAt = lse.offset() + b * lse.stride(0) + h * lse.stride(1) + i0 * lse.stride(2);
                        AttentionTiles.gemm(br, bc, d, q.a, qRow, q.st, 1, kt, ktBase + j0, tk, ws.s, 0, BLOCK_K, false, ws.tile);
                        for (int r = 0; r < br; r++)
                            probabilitiesRow(ws, r, first(i0, r, j0), visible(i0, r, j0, bc), bc, b * tk + j0,
                                    la[lseAt + r * lse.stride(2)],
                                    dropout ? AttentionDropout.rowKey(seed, b, h, i0 + r) : 0, j0);
                        float[] pd = dropout ? ws.pd : ws.s;
                        AttentionTiles.gemm(bc, d, br, pd, 0, 1, BLOCK_K, gOut.a, gRow, gOut.st, dv, 0, d, true, ws.tile);
                        AttentionTiles.gemm(br, bc, d, gOut.a, gRow, gOut.st, 1, vt, ktBase + j0, tk, ws.dp, 0, BLOCK_K, false, ws.tile);
                        for (int r = 0; r < br; r++) scoreGradientRow(ws, r, bc, delta[hh * tq + i0 + r]);
                        AttentionTiles.gemm(br, d, bc, ws.dp, 0, BLOCK_K, 1, k.a, k.row(b, g, j0), k.st,
                                gq, gradQ.offset() + ((b * heads + h) * tq + i0) * d, d, true, ws.tile);
                        AttentionTiles.gemm(bc, d, br, ws.dp, 0, 1, BLOCK_K, q.a, qRow, q.st, dk, 0, d, true, ws.tile);
                    }
                }
                int kvRow = (b * kvHeads + g) * tk + j0;
                System.arraycopy(dk, 0, VectorBackend.f(gradK), gradK.offset() + kvRow * d, bc * d);
                System.arraycopy(dv, 0, VectorBackend.f(gradV), gradV.offset() + kvRow * d, bc * d);
            }
        }

        /** Row r of the score tile becomes {@code P = e^(scale·S + bias − lse)} (and P ⊙ Z into ws.pd). */
        private void probabilitiesRow(Workspace ws, int r, int first, int visible, int bc, int biasAt, float rowLse,
                                      int rowKey, int j0) {
            float[] s = ws.s;
            int so = r * BLOCK_K, width = roundUp(bc);
            if (visible <= first || rowLse == NEG_INF) {
                Arrays.fill(s, so, so + width, 0f);
                Arrays.fill(ws.pd, so, so + width, 0f);
                return;
            }
            FloatVector vl = FloatVector.broadcast(S, rowLse);
            for (int c = 0; c < width; c += L) {
                VectorMask<Float> in = inside(c, first, visible);
                FloatVector x = FloatVector.fromArray(S, s, so + c).mul(scale);
                if (bias != null) x = x.add(FloatVector.fromArray(S, bias, biasAt + c, in));
                FloatVector p = VectorMath.exp(x.sub(vl)).blend(0f, in.not());
                p.intoArray(s, so + c);
                if (dropout) p.mul(keepScale).blend(0f, dropped(rowKey, j0 + c)).intoArray(ws.pd, so + c);
            }
        }

        /**
         * Row r: {@code dS = scale · P ⊙ (dP ⊙ Z − δ)} into ws.dp. Z is read off the dropped probabilities: where
         * P ≠ 0, the weight was kept exactly when P ⊙ Z ≠ 0 (and where P = 0, dS = 0 whatever Z).
         */
        private void scoreGradientRow(Workspace ws, int r, int bc, float delta) {
            int so = r * BLOCK_K;
            FloatVector vd = FloatVector.broadcast(S, delta);
            for (int c = 0; c < roundUp(bc); c += L) {
                VectorMask<Float> in = S.indexInRange(c, bc);
                FloatVector p = FloatVector.fromArray(S, ws.s, so + c), dp = FloatVector.fromArray(S, ws.dp, so + c);
                if (dropout) {
                    FloatVector pd = FloatVector.fromArray(S, ws.pd, so + c);
                    dp = dp.mul(keepScale).blend(0f, pd.compare(VectorOperators.EQ, 0f));
                }
                p.mul(dp.sub(vd)).mul(scale).blend(0f, in.not()).intoArray(ws.dp, so + c);
            }
        }

        /** Lanes whose weight is dropped, for keys {@code j .. j+L} of the row: {@link AttentionDropout} on vectors. */
        private VectorMask<Float> dropped(int rowKey, int j) {
            IntVector x = IntVector.fromArray(SI, IOTA, 0).add(j).mul(AttentionDropout.KEY_STEP).add(rowKey);
            x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16)).mul(AttentionDropout.MUL1);
            x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 15)).mul(AttentionDropout.MUL2);
            x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
            return x.lanewise(VectorOperators.LSHR, 8).compare(VectorOperators.LT, threshold).cast(S);
        }
    }

    // ---- row helpers ------------------------------------------------------------------------------

    private static int roundUp(int n) {
        return (n + L - 1) / L * L;
    }

    /** {@code dst[do..do+n) = src[so..so+n) · factor}. */
    private static void scaleRow(float[] src, int so, int n, float factor, float[] dst, int dOff) {
        for (int c = 0; c < n; c += L) {
            VectorMask<Float> in = S.indexInRange(c, n);
            FloatVector.fromArray(S, src, so + c, in).mul(factor).intoArray(dst, dOff + c, in);
        }
    }

    /** {@code Σ a[ao+e]·b[bo+e]}: lane-wise FMAs, then the lanes summed in a fixed order. */
    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        for (int c = 0; c < n; c += L) {
            VectorMask<Float> in = S.indexInRange(c, n);
            acc = FloatVector.fromArray(S, a, ao + c, in).fma(FloatVector.fromArray(S, b, bo + c, in), acc);
        }
        return VectorMath.sumLanes(acc);
    }
}
