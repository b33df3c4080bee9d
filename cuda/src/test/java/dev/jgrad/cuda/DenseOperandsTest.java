package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.Backend;
import dev.jgrad.core.backend.Backends;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How fused-kernel operands are staged ({@link DenseOperands}), on the CPU backend (the logic only copies through
 * {@code Backend.copy}, so it is the same on every device): operands that qualify pass untouched, others become
 * contiguous copies of the compute dtype, output temporaries are written back into their strided or narrower
 * targets on close.
 */
class DenseOperandsTest {

    private final Backend cpu = Backends.cpu();
    private final Generator g = new Generator(4);

    @Test
    void computeTypesAreFloat32OrFloat64() {
        assertEquals(DType.F32, DenseOperands.computeType(DType.F32));
        assertEquals(DType.F64, DenseOperands.computeType(DType.F64));
        assertEquals(DType.F64, DenseOperands.computeType(DType.BF16));
        assertEquals(DType.F64, DenseOperands.computeType(DType.F16));
        assertThrows(IllegalArgumentException.class, () -> new DenseOperands(cpu, "op", DType.I32));
    }

    @Test
    void qualifyingInputsPassAndOthersAreCopied() {
        Tensor x = Tensor.randn(g, 3, 5);
        try (DenseOperands ops = new DenseOperands(cpu, "op", DType.F32)) {
            assertSame(x, ops.in(x));
            assertEquals(null, ops.in(null));
            Tensor t = x.transpose(0, 1);
            Tensor c = ops.in(t);
            assertTrue(c.isContiguous());
            assertArrayEquals(t.toFloatArray(), c.toFloatArray());
            Tensor d = ops.in(x.to(DType.F64));
            assertEquals(DType.F32, d.dtype());
            assertArrayEquals(x.toFloatArray(), d.toFloatArray());
            assertEquals(2, ops.temporaryCount());
        }
    }

    @Test
    void outputTemporariesAreWrittenBackOnClose() {
        Tensor target = Tensor.zeros(DType.BF16, 4, 3).transpose(0, 1); // (3, 4), strided and BF16
        Tensor staged;
        try (DenseOperands ops = new DenseOperands(cpu, "op", DType.BF16)) {
            staged = ops.out(target);
            assertEquals(DType.F64, staged.dtype());
            assertTrue(staged.isContiguous());
            staged.copyFrom(Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4));
            assertEquals(0, target.to(DType.F32).sum().item(), 0, "nothing written before close");
        }
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, target.to(DType.F32).toFloatArray());
    }

    @Test
    void inPlaceBuffersKeepTheirDtypeWhenAsked() {
        Tensor base = Tensor.of(new float[] {1, 9, 2, 9, 3, 9}, 3, 2).to(DType.BF16);
        Tensor column = base.select(1, 0);                    // (3) with stride 2
        try (DenseOperands ops = DenseOperands.keepingDtype(cpu, "op", DType.BF16)) {
            Tensor staged = ops.inOut(column);
            assertEquals(DType.BF16, staged.dtype());
            assertArrayEquals(new float[] {1, 2, 3}, staged.to(DType.F32).toFloatArray());
            cpu.fill(staged, 5);
        }
        assertArrayEquals(new float[] {5, 9, 5, 9, 5, 9}, base.to(DType.F32).toFloatArray(), "only the view changed");
    }

    @Test
    void indicesAndMasks() {
        try (DenseOperands ops = new DenseOperands(cpu, "op", DType.F32)) {
            Tensor i32 = Tensor.of(new int[] {3, 1});
            assertSame(i32, ops.indices(i32));
            Tensor strided = Tensor.of(new long[] {7, 0, 8, 0}, 2, 2).select(1, 0);
            Tensor c = ops.indices(strided);
            assertEquals(DType.I64, c.dtype());
            assertArrayEquals(new long[] {7, 8}, c.toLongArray());
            var e = assertThrows(IllegalArgumentException.class, () -> ops.indices(Tensor.zeros(2)));
            assertTrue(e.getMessage().contains("op: indices must be integers"), e.getMessage());
            Tensor m = Tensor.ofBooleans(new boolean[] {true, false, false, true}, 2, 2).transpose(0, 1);
            Tensor mc = ops.mask(m);
            assertEquals(DType.BOOL, mc.dtype());
            assertTrue(mc.isContiguous());
            assertArrayEquals(m.toFloatArray(), mc.toFloatArray());
            assertThrows(IllegalArgumentException.class, () -> ops.mask(Tensor.zeros(2)));
        }
    }
}
