package dev.jgrad.core.backend;

import dev.jgrad.core.Tensor;
import dev.jgrad.core.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary position embedding on the Vector API, from the cached {@link RopeTables}.
 *
 * <p>Each pair {@code (x1, x2)} of a row at position {@code pos} becomes {@code (x1·c − x2·s, x2·c + x1·s)} with
 * {@code c, s = cos, sin(pos · θ^(−2i/D))} ({@code s} negated for the inverse rotation, the backward).
 * <ul>
 *   <li>rotate-half pairs {@code (i, i + D/2)}: the two halves of the row are two aligned runs, so a vector of
 *       pairs is two plain loads, with {@code c} and {@code s} loaded straight from the table row;</li>
 *   <li>interleaved pairs {@code (2i, 2i + 1)}: a vector holds L/2 whole pairs; the partner of every lane is the
 *       neighbouring lane ({@code SWAP} shuffle), and the table's L/2 cosines (sines) are spread over the
 *       lanes two by two ({@code DUP} shuffle), the sines signed {@code (−s, +s)} per pair, so
 *       {@code out = x·c + swap(x)·(±s)}.</li>
 * </ul>
 * Rows {@code (b, h, t)} are independent and split across threads; no sums, so any split gives the same bits.
 */
final class VectorRope {

    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length();
    /** Lane k takes lane k/2: spreads L/2 table entries over the L lanes of L/2 pairs. */
    private static final VectorShuffle<Float> DUP = VectorShuffle.fromOp(S, k -> k / 2);
    /** Lane k takes lane k^1: each lane's partner in its pair. */
    private static final VectorShuffle<Float> SWAP = VectorShuffle.fromOp(S, k -> k ^ 1);
    /** −1 on the first lane of each pair, +1 on the second. */
    private static final float[] PAIR_SIGNS = pairSigns();

    private VectorRope() {}

    private static float[] pairSigns() {
        float[] s = new float[L];
        for (int k = 0; k < L; k++) s[k] = k % 2 == 0 ? -1f : 1f;
        return s;
    }

    /**
     * Rotates {@code x (B, H, T, D)} (unit stride along D) into the contiguous {@code out}. {@code positions} holds
     * T values shared by the batch or, with {@code perBatch}, B·T values; all are below {@code table.positions()}.
     */
    static void apply(Tensor x, long[] positions, boolean perBatch, RopeTables.Table table, boolean interleaved,
                      boolean inverse, Tensor out) {
        int heads = x.size(1), t = x.size(2), d = x.size(3), half = d / 2;
        int rows = x.size(0) * heads * t;
        float[] xs = VectorBackend.f(x), os = VectorBackend.f(out);
        int sb = x.stride(0), sh = x.stride(1), st = x.stride(2), xo = x.offset(), oo = out.offset();
        float[] cos = table.cos(), sin = table.sin();
        Parallel.forRange(rows, Math.max(1, VectorBackend.GRAIN / Math.max(d, 1)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int b = r / (heads * t), h = r / t % heads, s = r % t;
                int tab = (int) positions[perBatch ? b * t + s : s] * half;
                int xi = xo + b * sb + h * sh + s * st, oi = oo + r * d;
                if (interleaved) interleavedRow(xs, xi, os, oi, d, cos, sin, tab, inverse);
                else halfRow(xs, xi, os, oi, half, cos, sin, tab, inverse);
            }
        });
    }

    private static void halfRow(float[] x, int xi, float[] out, int oi, int half, float[] cos, float[] sin, int tab,
                                boolean inverse) {
        for (int i = 0; i < half; i += L) {
            VectorMask<Float> m = S.indexInRange(i, half);
            FloatVector c = FloatVector.fromArray(S, cos, tab + i, m);
            FloatVector s = FloatVector.fromArray(S, sin, tab + i, m);
            if (inverse) s = s.neg();
            FloatVector x1 = FloatVector.fromArray(S, x, xi + i, m), x2 = FloatVector.fromArray(S, x, xi + half + i, m);
            x1.mul(c).sub(x2.mul(s)).intoArray(out, oi + i, m);
            x2.mul(c).add(x1.mul(s)).intoArray(out, oi + half + i, m);
        }
    }

    private static void interleavedRow(float[] x, int xi, float[] out, int oi, int d, float[] cos, float[] sin, int tab,
                                       boolean inverse) {
        FloatVector signs = FloatVector.fromArray(S, PAIR_SIGNS, 0);
        if (inverse) signs = signs.neg();
        int half = d / 2;
        for (int e = 0; e < d; e += L) { // e is even: a vector starts on a pair boundary
            VectorMask<Float> m = S.indexInRange(e, d), pairs = S.indexInRange(e / 2, half);
            FloatVector c = FloatVector.fromArray(S, cos, tab + e / 2, pairs).rearrange(DUP);
            FloatVector s = FloatVector.fromArray(S, sin, tab + e / 2, pairs).rearrange(DUP).mul(signs);
            FloatVector xv = FloatVector.fromArray(S, x, xi + e, m);
            xv.mul(c).add(xv.rearrange(SWAP).mul(s)).intoArray(out, oi + e, m);
        }
    }
}
