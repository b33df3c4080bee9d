package dev.jgrad.cuda;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Coalescing and offset computation of the packed kernel layouts, against plain multi-index arithmetic. */
class DeviceLayoutTest {

    /** Storage index of row-major element {@code linear} of a view, straight from its full shape and strides. */
    private static long naiveOffset(Tensor t, int linear) {
        int[] shape = t.shape(), strides = t.strides();
        long pos = 0;
        for (int d = shape.length - 1; d >= 0; d--) {
            pos += (long) (linear % shape[d]) * strides[d];
            linear /= shape[d];
        }
        return pos;
    }

    private static void assertOffsetsMatch(Tensor... views) {
        DeviceLayout l = DeviceLayout.of(views);
        assertEquals(views[0].numel(), l.numel);
        for (int k = 0; k < views.length; k++)
            for (int i = 0; i < l.numel; i++)
                assertEquals(naiveOffset(views[k], i), l.offsetOf(k, i), "operand " + k + " element " + i + " of " + l);
    }

    @Test
    void contiguousTensorsCoalesceToRankOne() {
        Tensor a = Tensor.zeros(3, 5, 7), b = Tensor.zeros(3, 5, 7);
        DeviceLayout l = DeviceLayout.of(a, b);
        assertEquals(1, l.rank);
        assertArrayEquals(new int[] {105}, l.shape);
        assertArrayEquals(new int[] {1}, l.strides[0]);
        assertOffsetsMatch(a, b);
    }

    @Test
    void broadcastBiasKeepsAStrideZeroDim() {
        Tensor x = Tensor.zeros(4, 6, 8);
        Tensor bias = Tensor.zeros(8).expand(4, 6, 8);
        DeviceLayout l = DeviceLayout.of(x, bias, x);
        assertEquals(2, l.rank);
        assertArrayEquals(new int[] {24, 8}, l.shape);
        assertArrayEquals(new int[] {0, 1}, l.strides[1]);
        assertOffsetsMatch(x, bias, x);
    }

    @Test
    void permutedSlicedAndExpandedViewsMatchNaiveOffsets() {
        Generator g = new Generator(7);
        Tensor base = Tensor.randn(g, 5, 6, 7, 3);
        Tensor p = base.permute(2, 0, 3, 1);                          // (7, 5, 3, 6)
        Tensor s = base.narrow(1, 1, 4).permute(2, 0, 3, 1).narrow(0, 2, 5).narrow(3, 0, 4); // strided slice
        Tensor e = Tensor.zeros(1, 5, 1, 1).expand(7, 5, 3, 6);
        assertOffsetsMatch(p, Tensor.zeros(7, 5, 3, 6), e);
        assertOffsetsMatch(s, s.contiguousCopy());
        assertOffsetsMatch(base.transpose(0, 3), base.transpose(0, 3).contiguousCopy());
        assertOffsetsMatch(Tensor.scalar(2), Tensor.scalar(3));
        assertOffsetsMatch(Tensor.zeros(1, 1, 9).narrow(2, 3, 1), Tensor.zeros(1, 1, 1));
    }

    @Test
    void theStructHasTheHeaderLayout() {
        Tensor a = Tensor.zeros(4, 6).t();      // (6, 4) strides (1, 6)
        Tensor b = Tensor.zeros(6, 4);          // strides (4, 1)
        DeviceLayout l = DeviceLayout.of(a, b);
        ByteBuffer s = ByteBuffer.wrap(l.toStruct()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(DeviceLayout.STRUCT_BYTES, s.capacity());
        assertEquals(168, DeviceLayout.STRUCT_BYTES);
        assertEquals(2, s.getInt(0));            // rank
        assertEquals(24, s.getInt(4));           // numel
        assertEquals(6, s.getInt(8));            // shape[0]
        assertEquals(4, s.getInt(12));           // shape[1]
        assertEquals(0, s.getInt(16));           // shape[2] unused
        int strides = 8 + 4 * DeviceLayout.MAX_RANK;
        assertEquals(1, s.getInt(strides));       // strides[0][0]
        assertEquals(6, s.getInt(strides + 4));   // strides[0][1]
        assertEquals(4, s.getInt(strides + 32));  // strides[1][0]
        assertEquals(1, s.getInt(strides + 36));  // strides[1][1]
        assertEquals(0, s.getInt(strides + 64));  // operand 2 unused
    }

    @Test
    void tooManyIrreducibleDimsAreRefusedWithTheReason() {
        int[] shape = {2, 2, 2, 2, 2, 2, 2, 2, 2};
        int[] strides = {1000, 300, 90, 28, 9, 3, 1, 5000, 20000}; // no neighbours merge
        var e = assertThrows(IllegalArgumentException.class, () -> DeviceLayout.of(shape, strides));
        assertTrue(e.getMessage().contains("9 dimensions"), e.getMessage());
    }

    @Test
    void mismatchedShapesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> DeviceLayout.of(Tensor.zeros(2, 3), Tensor.zeros(3, 2)));
    }
}
