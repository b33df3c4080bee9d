package dev.jgrad.core.backend;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiled float32 attention and RoPE kernels of {@link VectorBackend} against the naive float64 reference, on
 * odd sizes (T = 1, 7, 17, 63, 65, 130; D = 1, 8, 32, 64, 80), decoding shapes (Tq < Tk), Tq > Tk, grouped-query
 * attention (groups 1, 2, 4), with and without causal masking, padding mask and dropout, and on strided views.
 */
class VectorAttentionTest {

    static final Backend REF = new ReferenceBackend();
    static final Backend FAST = new VectorBackend();

    /** One attention problem. {@code maskEvery > 0} pads every key whose index is a multiple of it in batch 0. */
    record Case(int b, int h, int hkv, int tq, int tk, int d, boolean causal, int maskEvery, double dropout) {
        @Override
        public String toString() {
            return "B" + b + " H" + h + "/" + hkv + " Tq" + tq + " Tk" + tk + " D" + d + (causal ? " causal" : "")
                    + (maskEvery > 0 ? " mask/" + maskEvery : "") + (dropout > 0 ? " p" + dropout : "");
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case(1, 1, 1, 1, 1, 1, false, 0, 0),
                new Case(2, 2, 2, 7, 7, 8, true, 0, 0),
                new Case(1, 4, 2, 17, 17, 32, true, 3, 0),
                new Case(2, 4, 1, 63, 63, 64, false, 5, 0),
                new Case(1, 2, 2, 65, 65, 80, true, 0, 0),
                new Case(1, 2, 1, 130, 130, 64, true, 7, 0.2),
                new Case(2, 4, 4, 1, 17, 64, true, 0, 0),        // decoding one token against a cache
                new Case(1, 4, 2, 7, 130, 32, true, 4, 0),       // decoding a chunk
                new Case(1, 2, 2, 65, 7, 8, true, 0, 0),         // Tq > Tk: the first rows see nothing
                new Case(2, 2, 1, 17, 65, 80, false, 0, 0.3),
                new Case(1, 8, 2, 130, 130, 8, false, 0, 0),
                new Case(1, 2, 2, 63, 65, 1, true, 2, 0.1),
                new Case(2, 4, 1, 65, 63, 32, false, 1, 0.5),    // batch 0: every key padded
                new Case(1, 4, 4, 130, 130, 64, false, 0, 0));
    }

    static Tensor randn(Generator g, int... shape) {
        return Tensor.randn(g, shape);
    }

    static Tensor mask(Case c) {
        boolean[] m = new boolean[c.b() * c.tk()];
        if (c.maskEvery() > 0) for (int j = 0; j < c.tk(); j += c.maskEvery()) m[j] = true;
        return Tensor.ofBooleans(m, c.b(), c.tk());
    }

    /**
     * Element-wise {@code |e − a| ≤ atol·max(1, max|e|) + rtol·|e|}: the absolute part scales with the tensor's
     * magnitude, because float32 gradients carry absolute errors of the order of eps × the largest terms that
     * cancel in them (an exact 1e-55 is a float32 1e-5 when the row's terms are ~10).
     */
    static void assertClose(Tensor expected, Tensor actual, double atol, double rtol, String what) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        assertEquals(e.length, a.length, what + ": sizes");
        double magnitude = 1;
        for (double x : e) if (Double.isFinite(x)) magnitude = Math.max(magnitude, Math.abs(x));
        atol *= magnitude;
        for (int i = 0; i < e.length; i++) {
            if (e[i] == Double.NEGATIVE_INFINITY) {
                assertEquals(Double.NEGATIVE_INFINITY, a[i], what + " [" + i + "]");
                continue;
            }
            double tol = atol + rtol * Math.abs(e[i]);
            assertTrue(Math.abs(e[i] - a[i]) <= tol,
                    what + " [" + i + "]: reference " + e[i] + ", vector " + a[i] + " (tolerance " + tol + ")");
        }
    }

    static Tensor[] run(Backend be, DType dt, Tensor q, Tensor k, Tensor v, Tensor m, AttentionParams p, Tensor gOut) {
        Tensor qq = q.to(dt), kk = k.to(dt), vv = v.to(dt), gg = gOut.to(dt);
        int[] qs = q.shape();
        Tensor out = Tensor.zeros(dt, qs), lse = Tensor.zeros(dt, qs[0], qs[1], qs[2]);
        be.attentionForward(qq, kk, vv, m, p, out, lse);
        Tensor gq = Tensor.zeros(dt, qs), gk = Tensor.zeros(dt, k.shape()), gv = Tensor.zeros(dt, v.shape());
        be.attentionBackward(qq, kk, vv, m, p, out, lse, gg, gq, gk, gv);
        return new Tensor[] {out, lse, gq, gk, gv};
    }

    static void compare(Case c, Tensor q, Tensor k, Tensor v, Tensor gOut) {
        Tensor m = c.maskEvery() > 0 ? mask(c) : null;
        AttentionParams p = new AttentionParams(1 / Math.sqrt(c.d()), c.causal(), c.dropout(), 1234);
        Tensor[] ref = run(REF, DType.F64, q, k, v, m, p, gOut);
        Tensor[] fast = run(FAST, DType.F32, q, k, v, m, p, gOut);
        String[] names = {"out", "lse", "dq", "dk", "dv"};
        for (int i = 0; i < names.length; i++) assertClose(ref[i], fast[i], 2e-5, 1e-4, c + " " + names[i]);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tiledMatchesNaive(Case c) {
        Generator g = new Generator(c.hashCode());
        compare(c, randn(g, c.b(), c.h(), c.tq(), c.d()), randn(g, c.b(), c.hkv(), c.tk(), c.d()),
                randn(g, c.b(), c.hkv(), c.tk(), c.d()), randn(g, c.b(), c.h(), c.tq(), c.d()));
    }

    @Test
    void stridedViewsAsProducedByAFusedProjection() {
        // q, k, v as slices of one (B, T, 3, H, D) projection, transposed to (B, H, T, D): row stride 3·H·D.
        Case c = new Case(2, 4, 4, 33, 33, 16, true, 0, 0);
        Generator g = new Generator(5);
        Tensor qkv = randn(g, c.b(), c.tq(), 3, c.h(), c.d());
        Tensor q = qkv.select(2, 0).transpose(1, 2), k = qkv.select(2, 1).transpose(1, 2), v = qkv.select(2, 2).transpose(1, 2);
        // and an output gradient whose last dimension is not unit-stride (the copy path)
        Tensor gOut = randn(g, c.b(), c.h(), c.d(), c.tq()).transpose(2, 3);
        compare(c, q, k, v, gOut);
    }

    @Test
    void largeScoresDoNotOverflow() {
        Case c = new Case(1, 2, 1, 70, 70, 8, true, 0, 0);
        Generator g = new Generator(6);
        compare(c, randn(g, 1, 2, 70, 8).mul(30.0), randn(g, 1, 1, 70, 8).mul(30.0), randn(g, 1, 1, 70, 8),
                randn(g, 1, 2, 70, 8));
    }

    // ---- RoPE ------------------------------------------------------------------------------------

    static List<int[]> ropeShapes() {
        return List.of(new int[] {1, 1, 1, 2}, new int[] {2, 3, 7, 8}, new int[] {1, 2, 17, 34},
                new int[] {2, 2, 7, 64}, new int[] {1, 3, 17, 80}, new int[] {1, 1, 5, 130});
    }

    @ParameterizedTest
    @MethodSource("ropeShapes")
    void ropeMatchesReference(int[] shape) {
        Generator g = new Generator(shape[3]);
        int t = shape[2];
        long[] shared = new long[t], perBatch = new long[shape[0] * t];
        for (int i = 0; i < t; i++) shared[i] = 3 + i;
        for (int i = 0; i < perBatch.length; i++) perBatch[i] = g.nextInt(5000);
        // x given as a transposed view (B, T, H, D) -> (B, H, T, D)
        Tensor x = randn(g, shape[0], shape[2], shape[1], shape[3]).transpose(1, 2);
        for (Tensor pos : List.of(Tensor.of(shared), Tensor.of(perBatch, shape[0], t)))
            for (boolean interleaved : new boolean[] {false, true})
                for (boolean inverse : new boolean[] {false, true}) {
                    Tensor ref = Tensor.zeros(DType.F64, shape), fast = Tensor.zeros(shape);
                    REF.rope(x.to(DType.F64), pos, 500000, interleaved, inverse, ref);
                    FAST.rope(x, pos, 500000, interleaved, inverse, fast);
                    assertClose(ref, fast, 1e-6, 1e-6, java.util.Arrays.toString(shape) + " pos rank " + pos.rank()
                            + (interleaved ? " interleaved" : " half") + (inverse ? " inverse" : ""));
                }
    }
}
