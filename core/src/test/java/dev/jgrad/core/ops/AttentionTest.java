package dev.jgrad.core.ops;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.GradCheck;
import dev.jgrad.core.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of the attention op that need no stored oracle: grouped-query attention is multi-head attention on
 * repeated kv heads, decoding is the tail of full causal attention, dropout drops the right fraction with the
 * same mask forward and backward, and bad arguments are refused with a message naming them.
 */
class AttentionTest {

    static Tensor randn(Generator g, DType type, int... shape) {
        return Tensor.randn(g, shape).to(type);
    }

    static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++)
            assertTrue(Math.abs(e[i] - a[i]) <= tol * Math.max(1, Math.abs(e[i])),
                    what + " [" + i + "]: expected " + e[i] + ", got " + a[i]);
    }

    /** (B, Hkv, T, D) → (B, Hkv·rep, T, D), each kv head repeated rep times in a row (repeat_interleave). */
    static Tensor repeatHeads(Tensor x, int rep) {
        int[] s = x.shape();
        return x.unsqueeze(2).expand(s[0], s[1], rep, s[2], s[3]).reshape(s[0], s[1] * rep, s[2], s[3]);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void groupedQueryAttentionEqualsMultiHeadOnRepeatedKvHeads(DType type) {
        Generator g = new Generator(1);
        int b = 2, h = 6, hkv = 2, tq = 9, tk = 13, d = 8;
        boolean[] pad = new boolean[b * tk];
        pad[3] = pad[tk + 12] = true;
        AttentionOptions o = AttentionOptions.DEFAULT.withCausal(true).withKeyPaddingMask(Tensor.ofBooleans(pad, b, tk));
        Tensor q = randn(g, type, b, h, tq, d).requiresGrad(true), k = randn(g, type, b, hkv, tk, d).requiresGrad(true),
                v = randn(g, type, b, hkv, tk, d).requiresGrad(true), gOut = randn(g, type, b, h, tq, d);
        Tensor gqa = Attention.scaledDotProductAttention(q, k, v, o);
        gqa.backward(gOut);
        Tensor[] gradsGqa = {q.grad(), k.grad(), v.grad()};
        q.setGrad(null);
        k.setGrad(null);
        v.setGrad(null);
        Tensor mha = Attention.scaledDotProductAttention(q, repeatHeads(k, h / hkv), repeatHeads(v, h / hkv), o);
        mha.backward(gOut); // the expand's backward sums the gradients of the repeated heads
        double tol = type == DType.F64 ? 1e-12 : 1e-5;
        assertClose(mha, gqa, tol, "out");
        assertClose(q.grad(), gradsGqa[0], tol, "dq");
        assertClose(k.grad(), gradsGqa[1], tol, "dk (summed over the group)");
        assertClose(v.grad(), gradsGqa[2], tol, "dv (summed over the group)");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void decodingQueriesAreTheLastRowsOfFullCausalAttention(DType type) {
        Generator g = new Generator(2);
        int t = 70, d = 16;
        Tensor q = randn(g, type, 1, 4, t, d), k = randn(g, type, 1, 2, t, d), v = randn(g, type, 1, 2, t, d);
        AttentionOptions causal = AttentionOptions.DEFAULT.withCausal(true);
        Tensor full = Attention.scaledDotProductAttention(q, k, v, causal);
        for (int n : new int[] {1, 3, 65}) {
            Tensor last = Attention.scaledDotProductAttention(q.narrow(2, t - n, n), k, v, causal);
            assertClose(full.narrow(2, t - n, n), last, type == DType.F64 ? 1e-13 : 1e-6, n + " new queries");
        }
    }

    @Test
    void rowsThatSeeNoKeyAreZeroAndPassNoGradient() {
        Generator g = new Generator(3);
        Tensor q = randn(g, DType.F32, 1, 2, 5, 8).requiresGrad(true), k = randn(g, DType.F32, 1, 2, 3, 8).requiresGrad(true),
                v = randn(g, DType.F32, 1, 2, 3, 8).requiresGrad(true);
        // 5 queries, 3 keys, causal: queries 0 and 1 sit at positions -2 and -1.
        Tensor out = Attention.scaledDotProductAttention(q, k, v, AttentionOptions.DEFAULT.withCausal(true));
        out.sum().backward();
        for (int h = 0; h < 2; h++)
            for (int i = 0; i < 2; i++)
                for (int e = 0; e < 8; e++) {
                    assertEquals(0.0, out.get(0, h, i, e));
                    assertEquals(0.0, q.grad().get(0, h, i, e));
                }
    }

    // ---- dropout ---------------------------------------------------------------------------------

    /**
     * With q = 0 every weight is 1/Tk, and with v = the identity (D = Tk) the output row is the dropped weight row
     * itself: {@code out[i, j] = Z_ij / Tk}, Z the dropout factor (0 or 1/(1−p)).
     */
    static Tensor[] observeDropout(DType type, double p, long seed, int b, int h, int tq, int tk) {
        Tensor q = Tensor.zeros(type, b, h, tq, tk).requiresGrad(true);
        Tensor k = randn(new Generator(4), type, b, 1, tk, tk);
        double[] eye = new double[b * tk * tk];
        for (int bb = 0; bb < b; bb++) for (int j = 0; j < tk; j++) eye[(bb * tk + j) * tk + j] = 1;
        Tensor v = Tensor.of(eye, b, 1, tk, tk).to(type).requiresGrad(true);
        Tensor out = Attention.scaledDotProductAttention(q, k, v, AttentionOptions.DEFAULT.withDropout(p, new Generator(seed)));
        return new Tensor[] {out, q, k, v};
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void dropoutDropsTheRightFractionAndKeepsTheExpectation(DType type) {
        double p = 0.25;
        int b = 2, h = 4, tq = 64, tk = 64;
        double[] w = observeDropout(type, p, 77, b, h, tq, tk)[0].toDoubleArray();
        int dropped = 0;
        double kept = 1 / (1 - p) / tk, total = 0;
        for (double x : w) {
            if (x == 0) dropped++;
            else assertEquals(kept, x, 1e-6 * kept, "a kept weight is scaled by 1/(1-p)");
            total += x;
        }
        double fraction = (double) dropped / w.length, sigma = Math.sqrt(p * (1 - p) / w.length);
        assertTrue(Math.abs(fraction - p) < 5 * sigma, "dropped fraction " + fraction + ", expected " + p + " ± " + 5 * sigma);
        double meanRowSum = total / (b * h * tq); // E[Σ_j Z_j / Tk] = 1
        assertTrue(Math.abs(meanRowSum - 1) < 5 * Math.sqrt(p / (1 - p) / tk / (b * h * tq)), "mean row sum " + meanRowSum);
    }

    @Test
    void dropoutMaskIsTheSameOnBothBackendsAndVariesWithSeedAndCoordinates() {
        double[] f32 = observeDropout(DType.F32, 0.5, 9, 2, 2, 8, 16)[0].toDoubleArray();
        double[] f64 = observeDropout(DType.F64, 0.5, 9, 2, 2, 8, 16)[0].toDoubleArray();
        double[] other = observeDropout(DType.F32, 0.5, 10, 2, 2, 8, 16)[0].toDoubleArray();
        boolean differs = false;
        for (int i = 0; i < f32.length; i++) {
            assertEquals(f64[i] == 0, f32[i] == 0, "float32 and float64 paths drop the same weights [" + i + "]");
            differs |= (other[i] == 0) != (f32[i] == 0);
        }
        assertTrue(differs, "another seed gives another mask");
        // Rows of different batches, heads and queries get different masks.
        int row = 16;
        java.util.Set<String> patterns = new java.util.HashSet<>();
        for (int r = 0; r < f32.length / row; r++) {
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < row; j++) sb.append(f32[r * row + j] == 0 ? '0' : '1');
            patterns.add(sb.toString());
        }
        assertTrue(patterns.size() >= f32.length / row - 1, "only " + patterns.size() + " distinct masks among "
                + f32.length / row + " rows");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void dropoutBackwardRegeneratesTheForwardMask(DType type) {
        // out = (P ⊙ Z) · I is the dropped weight matrix itself, and out is linear in v: dL/dv = outᵀ · dO.
        Tensor[] run = observeDropout(type, 0.4, 21, 1, 2, 10, 12);
        Tensor out = run[0], v = run[3];
        Tensor gOut = randn(new Generator(5), type, 1, 2, 10, 12);
        out.backward(gOut);
        Tensor expected = out.detach().transpose(2, 3).matmul(gOut).sum(1, true); // both query heads share kv head 0
        assertClose(expected, v.grad(), type == DType.F64 ? 1e-12 : 1e-5, "dv from the forward's dropped weights");
    }

    @Test
    void dropoutGradientCheckWithAFixedSeed() {
        Generator g = new Generator(6);
        boolean[] pad = new boolean[2 * 9];
        pad[4] = true;
        Tensor mask = Tensor.ofBooleans(pad, 2, 9);
        Tensor q = randn(g, DType.F64, 2, 4, 6, 5).requiresGrad(true), k = randn(g, DType.F64, 2, 2, 9, 5).requiresGrad(true),
                v = randn(g, DType.F64, 2, 2, 9, 5).requiresGrad(true);
        GradCheck.Result r = GradCheck.check(in -> Attention.scaledDotProductAttention(in[0], in[1], in[2],
                AttentionOptions.DEFAULT.withCausal(true).withKeyPaddingMask(mask).withDropout(0.3, new Generator(11))),
                q, k, v);
        assertTrue(r.passed(), r.worst());
    }

    @Test
    void eachCallDrawsANewSeed() {
        Generator gen = new Generator(8);
        Tensor q = Tensor.zeros(1, 1, 4, 32), k = Tensor.zeros(1, 1, 32, 32), v = Tensor.ones(1, 1, 32, 32);
        AttentionOptions o = AttentionOptions.DEFAULT.withDropout(0.5, gen);
        Tensor a = Attention.scaledDotProductAttention(q, k, v, o), b = Attention.scaledDotProductAttention(q, k, v, o);
        assertNotEquals(java.util.Arrays.toString(a.toFloatArray()), java.util.Arrays.toString(b.toFloatArray()));
    }

    // ---- argument checks -------------------------------------------------------------------------

    static void assertRefused(String fragment, Supplier<Tensor> call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::get);
        assertTrue(e.getMessage().contains(fragment), "message \"" + e.getMessage() + "\" should mention " + fragment);
    }

    @Test
    void badArgumentsAreRefusedWithClearMessages() {
        Tensor q = Tensor.zeros(2, 4, 5, 8), k = Tensor.zeros(2, 2, 6, 8);
        AttentionOptions o = AttentionOptions.DEFAULT;
        assertRefused("4-D", () -> Attention.scaledDotProductAttention(q.reshape(8, 5, 8), k, k, o));
        assertRefused("multiple of the 3 kv heads", () -> Attention.scaledDotProductAttention(q, Tensor.zeros(2, 3, 6, 8),
                Tensor.zeros(2, 3, 6, 8), o));
        assertRefused("agree in B and D", () -> Attention.scaledDotProductAttention(q, Tensor.zeros(2, 2, 6, 7),
                Tensor.zeros(2, 2, 6, 7), o));
        assertRefused("same shape", () -> Attention.scaledDotProductAttention(q, k, Tensor.zeros(2, 2, 7, 8), o));
        assertRefused("dtypes", () -> Attention.scaledDotProductAttention(q, k.to(DType.F64), k, o));
        assertRefused("keyPaddingMask must be BOOL (B, Tk) = (2, 6)", () -> Attention.scaledDotProductAttention(q, k, k,
                o.withKeyPaddingMask(Tensor.ofBooleans(new boolean[5], 1, 5))));
        assertRefused("keyPaddingMask must be BOOL", () -> Attention.scaledDotProductAttention(q, k, k,
                o.withKeyPaddingMask(Tensor.zeros(2, 6))));
        assertRefused("needs a Generator", () -> Attention.scaledDotProductAttention(q, k, k, o.withDropout(0.1, null)));
        assertRefused("[0, 1)", () -> Attention.scaledDotProductAttention(q, k, k, o.withDropout(1.0, new Generator(1))));
        assertRefused("scale must be finite", () -> Attention.scaledDotProductAttention(q, k, k,
                o.withScale(Double.POSITIVE_INFINITY)));
        assertRefused("positive", () -> Attention.scaledDotProductAttention(Tensor.zeros(2, 4, 0, 8), k, k, o));
    }
}
