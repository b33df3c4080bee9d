package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The smaller host-side pieces: NVRTC target choice, staging copies, embedding plan, RoPE tables, shapes. */
class HostLogicTest {

    @Test
    void nvrtcCompilesCubinForKnownArchitecturesAndPtxForNewerOnes() {
        int[] archs = {75, 80, 86, 87, 89, 90, 100, 120};
        assertEquals(new NvrtcTarget(90, true), NvrtcTarget.choose(9, 0, archs));
        assertEquals("--gpu-architecture=sm_90", NvrtcTarget.choose(9, 0, archs).archOption());
        NvrtcTarget future = NvrtcTarget.choose(13, 0, archs);
        assertEquals(new NvrtcTarget(120, false), future);
        assertEquals("--gpu-architecture=compute_120", future.archOption());
        assertEquals(new NvrtcTarget(80, false), NvrtcTarget.choose(8, 1, new int[] {90, 80, 75}));
        var old = assertThrows(IllegalStateException.class, () -> NvrtcTarget.choose(6, 1, archs));
        assertTrue(old.getMessage().contains("6.1") && old.getMessage().contains("sm_75"), old.getMessage());
        assertTrue(NvrtcTarget.choose(9, 0, archs).options().contains("--std=c++17"));
        assertFalse(NvrtcTarget.choose(9, 0, archs).options().stream().anyMatch(o -> o.contains("fast")));
    }

    @Test
    void stagingCopiesKeepEveryDtypesBits() {
        ByteBuffer buf = ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());
        for (DType t : DType.values()) {
            Storage src = Storage.Cpu.allocate(t, 11), dst = Storage.Cpu.allocate(t, 11);
            for (int i = 0; i < 11; i++) src.setDouble(i, i * 7 - 30);
            HostArrays.put(buf, src, 2, 9);
            HostArrays.get(buf, dst, 1, 9);
            for (int i = 0; i < 9; i++) assertEquals(src.getDouble(i + 2), dst.getDouble(i + 1), t + " element " + i);
            assertEquals(0.0, dst.getDouble(0));
        }
        // float bits in native order, as the device expects
        HostArrays.put(buf, new Storage.FloatStorage(new float[] {1.5f}), 0, 1);
        assertEquals(Float.floatToRawIntBits(1.5f), buf.getInt(0));
    }

    @Test
    void embeddingPlanGroupsPositionsByIdInOrder() {
        EmbeddingBackwardPlan p = EmbeddingBackwardPlan.build(new long[] {3, 1, 3, 0, 3, 1}, 5);
        assertArrayEquals(new int[] {0, 1, 3}, p.rows());
        assertArrayEquals(new int[] {0, 1, 3, 6}, p.starts());
        assertArrayEquals(new int[] {3, 1, 5, 0, 2, 4}, p.positions());
        var e = assertThrows(IndexOutOfBoundsException.class, () -> EmbeddingBackwardPlan.build(new long[] {1, 5}, 5));
        assertTrue(e.getMessage().contains("id 5 at position 1"), e.getMessage());
        EmbeddingBackwardPlan empty = EmbeddingBackwardPlan.build(new long[0], 3);
        assertArrayEquals(new int[] {0}, empty.starts());
    }

    @Test
    void ropeTablesHoldTheAnglesOfEachPosition() {
        Tensor[] t = RopeTables.build(3, 4, 10000.0);
        assertArrayEquals(new int[] {3, 2}, t[0].shape());
        // θ_0 = 1, θ_1 = 10000^(-1/2) = 0.01
        float[] cos = t[0].toFloatArray(), sin = t[1].toFloatArray();
        assertArrayEquals(new float[] {1, 1, (float) Math.cos(1), (float) Math.cos(0.01), (float) Math.cos(2),
                (float) Math.cos(0.02)}, cos);
        assertEquals((float) Math.sin(0.02), sin[5]);
        assertThrows(IllegalArgumentException.class, () -> RopeTables.build(3, 5, 10000.0));
    }

    @Test
    void attentionShapesAreValidatedAndSized() {
        Tensor q = Tensor.zeros(2, 8, 10, 64), kv = Tensor.zeros(2, 2, 12, 64);
        AttentionShape s = AttentionShape.of(q, kv, kv);
        assertEquals(new AttentionShape(2, 8, 2, 10, 12, 64), s);
        // (3·32·65 + 32·33)·4 bytes, and the backward kernels' layouts
        assertEquals((3 * 32 * 65 + 32 * 33) * 4, s.forwardSharedBytes());
        assertEquals(29184, s.forwardSharedBytes());
        assertEquals((4 * 32 * 65 + 2 * 32 * 33 + 64) * 4, s.dkdvSharedBytes());
        assertEquals((4 * 32 * 65 + 32 * 33 + 64) * 4, s.dqSharedBytes());
        LaunchConfig g = s.queryGrid(0);
        assertEquals(1, g.gridX());
        assertEquals(8, g.gridY());
        assertEquals(2, g.gridZ());
        assertEquals(128, g.blockX());
        assertEquals(2, s.keyGrid(0).gridY());
        var heads = assertThrows(IllegalArgumentException.class,
                () -> AttentionShape.of(Tensor.zeros(1, 6, 4, 64), Tensor.zeros(1, 4, 4, 64), Tensor.zeros(1, 4, 4, 64)));
        assertTrue(heads.getMessage().contains("6 query heads"), heads.getMessage());
        var dim = assertThrows(IllegalArgumentException.class,
                () -> AttentionShape.of(Tensor.zeros(1, 1, 4, 48), Tensor.zeros(1, 1, 4, 48), Tensor.zeros(1, 1, 4, 48)));
        assertTrue(dim.getMessage().contains("head dim 48"), dim.getMessage());
        // 128-dim backward tiles need more than the default 48 KiB: the launcher must opt in
        assertTrue(AttentionShape.of(Tensor.zeros(1, 1, 1, 128), Tensor.zeros(1, 1, 1, 128),
                Tensor.zeros(1, 1, 1, 128)).dkdvSharedBytes() > 48 * 1024);
    }

    @Test
    void normParameterChunksStayWithinTheGrid() {
        assertEquals(256, CudaKernels.rowsPerChunk(1));
        assertEquals(256, CudaKernels.rowsPerChunk(8192));
        int huge = 40_000_000;
        int per = CudaKernels.rowsPerChunk(huge);
        assertTrue((huge + per - 1) / per <= 65535);
    }
}
