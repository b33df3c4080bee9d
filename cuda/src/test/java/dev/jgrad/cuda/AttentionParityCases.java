package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.AttentionParams;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fused attention (forward and backward) and RoPE of the device under test against the reference backend, on
 * the cases that reach every kernel: the tiled float32 kernels (D = 32, 64, 96, 128) and the generic ones (any
 * other D, and float64), with GQA and multi-query attention, causal masks aligned to the end (Tq &lt; Tk decoding,
 * Tq &gt; Tk), key-padding masks (a batch whose every key is padded), dropout (whose mask must be the CPU's, bit
 * for bit, or the outputs differ by whole weights), and q, k, v given as strided views.
 *
 * <p>Tolerances: float32 {@code rtol = 1e-5} with an absolute part of {@code 1e-5·√(terms)·max|e|}, terms being
 * the number of products summed into one element (Tk for out and dq, Tq·group for dk and dv): each element is a
 * float32 sum of that many products whose rounding errors add up like a random walk. float64 {@code 1e-12}.
 * RoPE: float32 1e-5 and 1e-6·max|e| (two products and a sum per element).
 */
abstract class AttentionParityCases extends FusedParityCases {

    /** One attention problem. {@code maskEvery > 0} pads every key whose index is a multiple of it in batch 0. */
    record Case(int b, int h, int hkv, int tq, int tk, int d, boolean causal, int maskEvery, double dropout) {
        @Override
        public String toString() {
            return "B" + b + " H" + h + "/" + hkv + " Tq" + tq + " Tk" + tk + " D" + d + (causal ? " causal" : "")
                    + (maskEvery > 0 ? " mask/" + maskEvery : "") + (dropout > 0 ? " p" + dropout : "");
        }
    }

    static final List<Case> CASES = List.of(
            new Case(1, 1, 1, 1, 1, 1, false, 0, 0),             // generic, the smallest
            new Case(2, 2, 2, 7, 7, 8, true, 0, 0),              // generic
            new Case(1, 4, 2, 17, 17, 32, true, 3, 0),           // tiled D32, GQA, padding
            new Case(2, 4, 1, 63, 63, 64, false, 5, 0),          // tiled D64, multi-query, padding
            new Case(1, 2, 2, 65, 65, 80, true, 0, 0),           // generic D80, across chunk boundaries
            new Case(1, 2, 1, 130, 130, 64, true, 7, 0.2),       // tiled, dropout and padding
            new Case(2, 4, 4, 1, 17, 128, true, 0, 0),           // decoding one token against a cache, tiled D128
            new Case(1, 4, 2, 7, 130, 96, true, 4, 0.1),         // decoding a chunk, tiled D96, dropout
            new Case(1, 2, 2, 65, 7, 8, true, 0, 0),             // Tq > Tk: the first rows see nothing (generic)
            new Case(1, 2, 2, 40, 9, 32, true, 0, 0),            // Tq > Tk, tiled
            new Case(2, 2, 1, 17, 65, 80, false, 0, 0.3),        // generic dropout
            new Case(2, 4, 1, 65, 63, 32, false, 1, 0.5),        // batch 0: every key padded, tiled
            new Case(1, 2, 2, 33, 140, 48, true, 2, 0.1));       // generic, more keys than one chunk of 128

    static Tensor mask(Case c) {
        boolean[] m = new boolean[c.b() * c.tk()];
        if (c.maskEvery() > 0) for (int j = 0; j < c.tk(); j += c.maskEvery()) m[j] = true;
        return Tensor.ofBooleans(m, c.b(), c.tk());
    }

    @Test
    void attentionForwardAndBackwardInFloat32() {
        for (Case c : CASES) checkAttention(c, DType.F32, false);
    }

    @Test
    void attentionForwardAndBackwardInFloat64() {
        for (Case c : CASES) checkAttention(c, DType.F64, false);
    }

    @Test
    void attentionOfStridedViewsAsAFusedProjectionGivesThem() {
        checkAttention(new Case(2, 4, 4, 33, 33, 64, true, 0, 0.1), DType.F32, true);   // tiled
        checkAttention(new Case(2, 2, 2, 19, 19, 20, true, 3, 0), DType.F32, true);     // generic
    }

    /**
     * Runs one case on both backends. With {@code strided}, q, k, v are slices of one (B, T, 3, H, D) projection
     * transposed to (B, H, T, D) (row stride 3·H·D) and the output gradient has a non-unit last stride.
     */
    void checkAttention(Case c, DType t, boolean strided) {
        Generator g = new Generator(c.hashCode() + t.ordinal());
        Tensor q, k, v, gOut, qDev, kDev, vDev, gOutDev;
        if (strided) {
            Tensor qkv = Tensor.randn(g, c.b(), c.tq(), 3, c.h(), c.d()).to(t), qkvDev = qkv.to(device());
            q = qkv.select(2, 0).transpose(1, 2);
            k = qkv.select(2, 1).transpose(1, 2);
            v = qkv.select(2, 2).transpose(1, 2);
            qDev = qkvDev.select(2, 0).transpose(1, 2);
            kDev = qkvDev.select(2, 1).transpose(1, 2);
            vDev = qkvDev.select(2, 2).transpose(1, 2);
            Tensor gBase = Tensor.randn(g, c.b(), c.h(), c.d(), c.tq()).to(t);
            gOut = gBase.transpose(2, 3);
            gOutDev = gBase.to(device()).transpose(2, 3);
        } else {
            q = Tensor.randn(g, c.b(), c.h(), c.tq(), c.d()).to(t);
            k = Tensor.randn(g, c.b(), c.hkv(), c.tk(), c.d()).to(t);
            v = Tensor.randn(g, c.b(), c.hkv(), c.tk(), c.d()).to(t);
            gOut = Tensor.randn(g, c.b(), c.h(), c.tq(), c.d()).to(t);
            qDev = q.to(device());
            kDev = k.to(device());
            vDev = v.to(device());
            gOutDev = gOut.to(device());
        }
        Tensor m = c.maskEvery() > 0 ? mask(c) : null;
        AttentionParams p = new AttentionParams(1 / Math.sqrt(c.d()), c.causal(), c.dropout(), 1234 + c.tk());
        int[] qs = q.shape(), ks = k.shape(), ls = {c.b(), c.h(), c.tq()};

        Tensor out = Tensor.zeros(t, qs), lse = Tensor.zeros(t, ls);
        REF.attentionForward(q, k, v, m, p, out, lse);
        Tensor gq = Tensor.zeros(t, qs), gk = Tensor.zeros(t, ks), gv = Tensor.zeros(t, ks);
        REF.attentionBackward(q, k, v, m, p, out, lse, gOut, gq, gk, gv);

        Tensor md = m == null ? null : m.to(device());
        Tensor oo = poisoned(t, qs), lo = poisoned(t, ls);
        dut().attentionForward(qDev, kDev, vDev, md, p, oo, lo);
        Tensor gqo = poisoned(t, qs), gko = poisoned(t, ks), gvo = poisoned(t, ks);
        // the backward gets the reference's out and lse, so that it is checked on its own
        dut().attentionBackward(qDev, kDev, vDev, md, p, out.to(device()), lse.to(device()), gOutDev, gqo, gko, gvo);

        String what = c + " " + t + (strided ? " strided" : "");
        boolean f64 = t == DType.F64;
        double keysTol = f64 ? F64_TOL : 1e-5 * Math.sqrt(c.tk());
        double queriesTol = f64 ? F64_TOL : 1e-5 * Math.sqrt((double) c.tq() * c.h() / c.hkv());
        double rtol = f64 ? F64_TOL : F32_RTOL;
        assertCloseScaled(out, oo, rtol, keysTol, what + " out");
        assertCloseScaled(lse, lo, rtol, f64 ? F64_TOL : 1e-5, what + " lse");
        assertCloseScaled(gq, gqo, rtol, keysTol, what + " dq");
        assertCloseScaled(gk, gko, rtol, queriesTol, what + " dk");
        assertCloseScaled(gv, gvo, rtol, queriesTol, what + " dv");
    }

    @Test
    void attentionDropsExactlyTheReferencesWeights() {
        // one key per visible position and a value that is 1: out = Σ_j w_j z_j, so every dropped weight shows
        Case c = new Case(1, 2, 1, 24, 24, 32, false, 0, 0.5);
        Tensor q = Tensor.zeros(1, 2, 24, 32), k = Tensor.zeros(1, 1, 24, 32), v = Tensor.ones(1, 1, 24, 32);
        AttentionParams p = new AttentionParams(1, false, 0.5, 77);
        Tensor out = Tensor.zeros(1, 2, 24, 32), lse = Tensor.zeros(1, 2, 24);
        REF.attentionForward(q, k, v, null, p, out, lse);
        Tensor oo = poisoned(DType.F32, 1, 2, 24, 32), lo = poisoned(DType.F32, 1, 2, 24);
        dut().attentionForward(q.to(device()), k.to(device()), v.to(device()), null, p, oo, lo);
        // uniform weights 1/24, kept ones scaled by 2: out = (2/24)·(kept keys); one flipped decision moves an
        // element by 1/12, a million times the tolerance
        assertClose(out, oo, 1e-6, 0, c + " kept-weight sums");
        assertTrue(java.util.Arrays.stream(out.toDoubleArray()).distinct().count() > 3, "rows keep different counts");
    }

    // ---- RoPE ---------------------------------------------------------------------------------------------------

    @Test
    void ropeWithSharedAndPerBatchPositionsBothPairingsAndItsInverse() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            for (int[] shape : new int[][] {{1, 1, 1, 2}, {2, 3, 7, 8}, {1, 2, 17, 34}, {2, 2, 7, 64}, {1, 3, 17, 80},
                    {1, 1, 5, 130}}) {
                Generator g = new Generator(shape[3] + t.ordinal());
                int b = shape[0], time = shape[2];
                long[] shared = new long[time], perBatch = new long[b * time];
                for (int i = 0; i < time; i++) shared[i] = 3 + i;
                for (int i = 0; i < perBatch.length; i++) perBatch[i] = g.nextInt(70000);
                // x given as a transposed view (B, T, H, D) -> (B, H, T, D)
                Tensor x = Tensor.randn(g, b, time, shape[1], shape[3]).to(t).transpose(1, 2);
                Tensor xd = x.transpose(1, 2).contiguous().to(device()).transpose(1, 2);
                for (Tensor pos : List.of(Tensor.of(shared), Tensor.of(perBatch, b, time).to(DType.I32))) {
                    for (double theta : new double[] {10000, 500000}) {
                        for (boolean interleaved : new boolean[] {false, true}) {
                            for (boolean inverse : new boolean[] {false, true}) {
                                Tensor ref = Tensor.zeros(t, shape), out = poisoned(t, shape);
                                REF.rope(x, pos, theta, interleaved, inverse, ref);
                                dut().rope(xd, pos.to(device()), theta, interleaved, inverse, out);
                                String what = "rope " + t + " " + java.util.Arrays.toString(shape) + " positions "
                                        + java.util.Arrays.toString(pos.shape()) + " θ " + theta
                                        + (interleaved ? " interleaved" : " half") + (inverse ? " inverse" : "");
                                check(ref, out, t == DType.F64 ? new double[] {F64_TOL, F64_TOL} : new double[] {F32_RTOL, 1e-6},
                                        what);
                            }
                        }
                    }
                }
            }
        }
    }
}
