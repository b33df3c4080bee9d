package dev.jgrad.cuda;

import dev.jgrad.core.Tensor;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.jgrad.cuda.KernelSpec.Param.F32;
import static dev.jgrad.cuda.KernelSpec.Param.F64;
import static dev.jgrad.cuda.KernelSpec.Param.I32;
import static dev.jgrad.cuda.KernelSpec.Param.I64;
import static dev.jgrad.cuda.KernelSpec.Param.LAYOUT;
import static dev.jgrad.cuda.KernelSpec.Param.PTR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelArgsTest {

    @Test
    void valuesArePackedAtTheirNaturalAlignment() {
        KernelSpec spec = KernelSpec.of("x.cu", "k", I32, PTR, F32, F64, I32, I64, PTR);
        Tensor t = Tensor.zeros(3);
        KernelArgs a = KernelArgs.pack(spec, new Object[] {7, t, 1.5f, 2.25, -3, 1L << 40, null}, x -> 0xABCD00L);
        // int@0, ptr@8, float@16, double@24, int@32, long@40, ptr@48
        assertArrayEquals(new int[] {0, 8, 16, 24, 32, 40, 48}, a.offsets);
        assertEquals(56, a.size());
        ByteBuffer b = ByteBuffer.wrap(a.bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(7, b.getInt(0));
        assertEquals(0xABCD00L, b.getLong(8));
        assertEquals(1.5f, b.getFloat(16));
        assertEquals(2.25, b.getDouble(24));
        assertEquals(-3, b.getInt(32));
        assertEquals(1L << 40, b.getLong(40));
        assertEquals(0L, b.getLong(48));
    }

    @Test
    void layoutStructsArePassedByValue() {
        KernelSpec spec = KernelSpec.of("x.cu", "k", LAYOUT, PTR, I32);
        DeviceLayout l = DeviceLayout.of(Tensor.zeros(2, 3));
        KernelArgs a = KernelArgs.pack(spec, new Object[] {l, new DevicePointer(4096), 5}, x -> 0);
        assertArrayEquals(new int[] {0, 168, 176}, a.offsets);
        byte[] head = java.util.Arrays.copyOf(a.bytes, 168);
        assertArrayEquals(l.toStruct(), head);
        assertEquals(4096L, ByteBuffer.wrap(a.bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(168));
    }

    @Test
    void wrongArgumentsNameTheKernelAndPosition() {
        KernelSpec spec = KernelSpec.of("x.cu", "my_kernel", PTR, I32, F32);
        var e = assertThrows(IllegalArgumentException.class,
                () -> KernelArgs.pack(spec, new Object[] {null, 1.0f, 2f}, x -> 0));
        assertTrue(e.getMessage().contains("my_kernel") && e.getMessage().contains("argument 1"), e.getMessage());
        var count = assertThrows(IllegalArgumentException.class, () -> KernelArgs.pack(spec, new Object[] {null}, x -> 0));
        assertTrue(count.getMessage().contains("takes 3 arguments"), count.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KernelArgs.pack(spec, new Object[] {null, 1, 2.0}, x -> 0));
    }

    @Test
    void everyDeclaredKernelFitsTheArgumentBuffer() {
        for (KernelSpec s : Kernels.all()) {
            int pos = 0;
            for (KernelSpec.Param p : s.params()) pos = KernelArgs.align(pos, p.alignment()) + p.bytes;
            assertTrue(pos <= 4096, s + " needs " + pos + " bytes");
            assertTrue(s.params().size() <= 64, s.toString());
        }
    }
}
