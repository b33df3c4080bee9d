package dev.jgrad.core.ops;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Properties of rotary embeddings that hold by construction, and argument checks. */
class RopeTest {

    static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++)
            assertTrue(Math.abs(e[i] - a[i]) <= tol * Math.max(1, Math.abs(e[i])), what + " [" + i + "]: " + e[i] + " vs " + a[i]);
    }

    @ParameterizedTest
    @EnumSource(RopeStyle.class)
    void scoresDependOnlyOnTheDistanceBetweenPositions(RopeStyle style) {
        Generator g = new Generator(1);
        Tensor q = Tensor.randn(g, 1, 1, 1, 16).to(DType.F64), k = Tensor.randn(g, 1, 1, 1, 16).to(DType.F64);
        double near = Rope.apply(q, 5, 10000, style).mul(Rope.apply(k, 2, 10000, style)).sum().item();
        double far = Rope.apply(q, 1013, 10000, style).mul(Rope.apply(k, 1010, 10000, style)).sum().item();
        assertEquals(near, far, 1e-9 * Math.abs(near));
        double other = Rope.apply(q, 5, 10000, style).mul(Rope.apply(k, 4, 10000, style)).sum().item();
        assertTrue(Math.abs(other - near) > 1e-3, "a different distance gives a different score");
    }

    @ParameterizedTest
    @EnumSource(RopeStyle.class)
    void positionZeroIsTheIdentityAndRotationsKeepNorms(RopeStyle style) {
        Tensor x = Tensor.randn(new Generator(2), 2, 3, 4, 10);
        Tensor atZero = Rope.apply(x.narrow(2, 0, 1), 0, 10000, style);
        assertClose(x.narrow(2, 0, 1), atZero, 0, "position 0");
        Tensor y = Rope.apply(x, 100, 500000, style);
        assertClose(x.square().sum(3, false), y.square().sum(3, false), 1e-5, "norms");
    }

    @Test
    void startPositionPerBatchPositionsAndStylesAgree() {
        Tensor x = Tensor.randn(new Generator(3), 2, 2, 3, 8);
        Tensor byStart = Rope.apply(x, 4, 10000, RopeStyle.HALF);
        Tensor byTensor = Rope.apply(x, Tensor.of(new int[] {4, 5, 6}), 10000, RopeStyle.HALF);
        assertClose(byStart, byTensor, 0, "start position vs I32 positions");
        Tensor perBatch = Rope.apply(x, Tensor.of(new long[] {4, 5, 6, 0, 1, 2}, 2, 3), 10000, RopeStyle.HALF);
        assertClose(byStart.narrow(0, 0, 1), perBatch.narrow(0, 0, 1), 0, "batch 0 at 4..6");
        assertClose(Rope.apply(x.narrow(0, 1, 1), 0, 10000, RopeStyle.HALF), perBatch.narrow(0, 1, 1), 0, "batch 1 at 0..2");
        // INTERLEAVED is HALF on features reordered (0, D/2, 1, D/2+1, ...).
        long[] order = {0, 4, 1, 5, 2, 6, 3, 7};
        Tensor idx = Tensor.of(order);
        Tensor interleaved = Rope.apply(x.indexSelect(3, idx), 4, 10000, RopeStyle.INTERLEAVED);
        assertClose(byStart.indexSelect(3, idx), interleaved, 1e-6, "interleaved vs reordered half");
    }

    @Test
    void positionsBeyondTheCachedTablesStillRotateCorrectly() {
        Tensor x = Tensor.randn(new Generator(4), 1, 2, 3, 8);
        Tensor pos = Tensor.of(new long[] {70_000, 1_000_000, 5});
        assertClose(Rope.apply(x.to(DType.F64), pos, 10000, RopeStyle.HALF), Rope.apply(x, pos, 10000, RopeStyle.HALF),
                1e-6, "float32 vs float64 at far positions");
    }

    @Test
    void badArgumentsAreRefused() {
        Tensor x = Tensor.zeros(1, 2, 3, 8);
        assertThrows(IllegalArgumentException.class, () -> Rope.apply(Tensor.zeros(1, 2, 3, 7), 0, 10000, RopeStyle.HALF));
        assertThrows(IllegalArgumentException.class, () -> Rope.apply(x.reshape(2, 3, 8), 0, 10000, RopeStyle.HALF));
        assertThrows(IllegalArgumentException.class, () -> Rope.apply(x, -1, 10000, RopeStyle.HALF));
        assertThrows(IllegalArgumentException.class, () -> Rope.apply(x, 0, 0, RopeStyle.HALF));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rope.apply(x, Tensor.of(new long[] {0, 1}), 10000, RopeStyle.HALF));
        assertTrue(e.getMessage().contains("(T) = (3) or (B, T) = (1, 3)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Rope.apply(x, Tensor.of(new long[] {0, -1, 2}), 10000, RopeStyle.HALF));
        assertThrows(IllegalArgumentException.class, () -> Rope.apply(x, Tensor.of(new float[] {0, 1, 2}), 10000, RopeStyle.HALF));
    }
}
