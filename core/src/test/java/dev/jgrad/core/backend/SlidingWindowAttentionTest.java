package dev.jgrad.core.backend;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.ops.Attention;
import dev.jgrad.core.ops.AttentionOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static dev.jgrad.core.backend.VectorAttentionTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sliding-window attention (Mistral): the query at absolute position {@code pos} sees keys
 * {@code pos − W < j ≤ pos}. The tiled kernel against the naive one (forward and every gradient), on windows
 * smaller than, equal to and straddling the 64-key tiles, with decoding shapes, GQA, padding and dropout; and the
 * naive kernel against the definition itself: one query with a window over all keys is plain attention over its
 * last W keys.
 */
class SlidingWindowAttentionTest {

    record Case(int b, int h, int hkv, int tq, int tk, int d, int window, int maskEvery, double dropout) {
        @Override
        public String toString() {
            return "B" + b + " H" + h + "/" + hkv + " Tq" + tq + " Tk" + tk + " D" + d + " W" + window
                    + (maskEvery > 0 ? " mask/" + maskEvery : "") + (dropout > 0 ? " p" + dropout : "");
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case(1, 2, 2, 7, 7, 8, 1, 0, 0),             // each query sees only itself
                new Case(2, 4, 2, 17, 17, 32, 5, 0, 0),
                new Case(1, 2, 1, 130, 130, 64, 16, 0, 0),       // many tiles wholly outside the window
                new Case(1, 2, 2, 130, 130, 16, 64, 3, 0),       // the window exactly one tile wide
                new Case(1, 4, 4, 150, 150, 8, 70, 0, 0.2),      // a window straddling tiles, with dropout
                new Case(2, 4, 1, 1, 90, 32, 9, 0, 0),           // decoding one token against a long cache
                new Case(1, 4, 2, 7, 130, 32, 20, 4, 0),         // decoding a chunk
                new Case(1, 2, 2, 33, 33, 8, 100, 0, 0));        // a window wider than the sequence
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tiledMatchesNaive(Case c) {
        Generator g = new Generator(c.hashCode());
        Tensor q = Tensor.randn(g, c.b(), c.h(), c.tq(), c.d()), k = Tensor.randn(g, c.b(), c.hkv(), c.tk(), c.d());
        Tensor v = Tensor.randn(g, c.b(), c.hkv(), c.tk(), c.d()), gOut = Tensor.randn(g, c.b(), c.h(), c.tq(), c.d());
        Tensor m = null;
        if (c.maskEvery() > 0) {
            boolean[] pad = new boolean[c.b() * c.tk()];
            for (int j = 0; j < c.tk(); j += c.maskEvery()) pad[j] = true;
            m = Tensor.ofBooleans(pad, c.b(), c.tk());
        }
        AttentionParams p = new AttentionParams(1 / Math.sqrt(c.d()), true, c.dropout(), 99, c.window());
        Tensor[] ref = VectorAttentionTest.run(VectorAttentionTest.REF, DType.F64, q, k, v, m, p, gOut);
        Tensor[] fast = VectorAttentionTest.run(VectorAttentionTest.FAST, DType.F32, q, k, v, m, p, gOut);
        String[] names = {"out", "lse", "dq", "dk", "dv"};
        for (int i = 0; i < names.length; i++) assertClose(ref[i], fast[i], 2e-5, 1e-4, c + " " + names[i]);
    }

    /** Query at position {@code pos} (the last of Tk keys) with window W == plain attention over keys pos−W+1..pos. */
    @Test
    void oneQueryWithAWindowIsPlainAttentionOverItsLastWKeys() {
        Generator g = new Generator(3);
        int tk = 40, w = 11, d = 8;
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            Tensor q = Tensor.randn(g, 1, 2, 1, d).to(dt), k = Tensor.randn(g, 1, 1, tk, d).to(dt);
            Tensor v = Tensor.randn(g, 1, 1, tk, d).to(dt);
            Tensor windowed = Attention.scaledDotProductAttention(q, k, v,
                    AttentionOptions.DEFAULT.withCausal(true).withWindow(w));
            Tensor lastW = Attention.scaledDotProductAttention(q, k.narrow(2, tk - w, w), v.narrow(2, tk - w, w));
            Tensor all = Attention.scaledDotProductAttention(q, k, v, AttentionOptions.DEFAULT.withCausal(true));
            assertClose(lastW, windowed, 1e-6, 1e-6, dt + " windowed vs last W keys");
            double diff = 0;
            double[] a = all.toDoubleArray(), b = windowed.toDoubleArray();
            for (int i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
            assertTrue(diff > 1e-3, "the window must change the result, differs by only " + diff);
        }
    }

    @Test
    void aWindowNeedsCausalAttentionAndMustNotBeNegative() {
        Tensor q = Tensor.zeros(DType.F32, 1, 1, 2, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> Attention.scaledDotProductAttention(q, q, q,
                AttentionOptions.DEFAULT.withWindow(2)));
        assertTrue(e.getMessage().contains("needs causal"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Attention.scaledDotProductAttention(q, q, q,
                AttentionOptions.DEFAULT.withCausal(true).withWindow(-1)));
        assertTrue(e.getMessage().contains("window must be >= 0"), e.getMessage());
        assertEquals(0, AttentionOptions.DEFAULT.window());
    }
}
