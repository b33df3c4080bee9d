package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.AdamConfig;
import dev.jgrad.core.backend.AttentionParams;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

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
    void ropeInverseFrequenciesAreTheReferenceBackendsOnes() {
        // 1/θ^(2i/D): θ^0 = 1, θ^(2/4) = 100 for θ = 10000, D = 4
        assertArrayEquals(new double[] {1, 0.01}, CudaAttention.inverseFrequencyTable(10000, 4), 1e-18);
        double[] inv = CudaAttention.inverseFrequencyTable(500000, 128);
        assertEquals(64, inv.length);
        assertEquals(Math.pow(500000, -126.0 / 128), inv[63], 1e-18);
        for (int i = 1; i < inv.length; i++) assertTrue(inv[i] < inv[i - 1], "decreasing at " + i);
    }

    @Test
    void attentionShapesAreValidatedAndSized() {
        Tensor q = Tensor.zeros(2, 8, 10, 64), kv = Tensor.zeros(2, 2, 12, 64);
        AttentionShape s = AttentionShape.of(q, kv, kv);
        assertEquals(new AttentionShape(2, 8, 2, 10, 12, 64), s);
        assertTrue(s.tiled(DType.F32));
        assertFalse(s.tiled(DType.F64), "float64 runs the generic kernels");
        // (3·32·65 + 32·33 + 32)·4 bytes: Q, K, V tiles, the score tile, the key flags
        assertEquals((3 * 32 * 65 + 32 * 33 + 32) * 4, s.forwardSharedBytes());
        assertEquals(29312, s.forwardSharedBytes());
        assertEquals((4 * 32 * 65 + 2 * 32 * 33 + 3 * 32 + 32) * 4, s.dkdvSharedBytes());
        assertEquals((4 * 32 * 65 + 32 * 33 + 2 * 32 + 32) * 4, s.dqSharedBytes());
        LaunchConfig g = s.queryGrid(0);
        assertEquals(1, g.gridX());
        assertEquals(8, g.gridY());
        assertEquals(2, g.gridZ());
        assertEquals(128, g.blockX());
        assertEquals(2, s.keyGrid(0).gridY());
        var heads = assertThrows(IllegalArgumentException.class,
                () -> AttentionShape.of(Tensor.zeros(1, 6, 4, 64), Tensor.zeros(1, 4, 4, 64), Tensor.zeros(1, 4, 4, 64)));
        assertTrue(heads.getMessage().contains("6 query heads"), heads.getMessage());
        // 128-dim backward tiles need more than the default 48 KiB: the launcher must opt in
        assertTrue(AttentionShape.of(Tensor.zeros(1, 1, 1, 128), Tensor.zeros(1, 1, 1, 128),
                Tensor.zeros(1, 1, 1, 128)).dkdvSharedBytes() > 48 * 1024);
    }

    @Test
    void headDimsWithoutATiledKernelRunTheGenericOnes() {
        AttentionShape s = AttentionShape.of(Tensor.zeros(2, 6, 5, 48), Tensor.zeros(2, 3, 9, 48), Tensor.zeros(2, 3, 9, 48));
        assertFalse(s.tiled(DType.F32));
        assertThrows(IllegalStateException.class, s::variant);
        // one block of 128 threads per query row (forward, dQ) or per key row (dK/dV)
        LaunchConfig rows = s.genericGrid(false, 0), keys = s.genericGrid(true, 0);
        assertEquals(List.of(5, 6, 2, 128), List.of(rows.gridX(), rows.gridY(), rows.gridZ(), rows.blockX()));
        assertEquals(List.of(9, 3, 2, 128), List.of(keys.gridX(), keys.gridY(), keys.gridZ(), keys.blockX()));
        // shared memory in elements of the dtype: 2D + 2·128, 3D + 128, 4D + 2·128
        assertEquals((2 * 48 + 256) * 4, s.genericForwardSharedBytes(4));
        assertEquals((3 * 48 + 128) * 8, s.genericDqSharedBytes(8));
        assertEquals((4 * 48 + 256) * 8, s.genericDkdvSharedBytes(8));
        // an empty key side still launches valid grids
        AttentionShape empty = AttentionShape.of(Tensor.zeros(1, 1, 3, 8), Tensor.zeros(1, 1, 0, 8), Tensor.zeros(1, 1, 0, 8));
        assertEquals(1, empty.genericGrid(true, 0).gridX());
    }

    @Test
    void attentionDropoutArgumentsFollowTheCpuMask() {
        CudaAttention.Dropout none = CudaAttention.Dropout.of(new AttentionParams(0.125, true, 0, 99));
        assertEquals(new CudaAttention.Dropout(0, 0, 0, 1.0), none);
        CudaAttention.Dropout d = CudaAttention.Dropout.of(new AttentionParams(0.125, false, 0.25, -7));
        assertEquals(-7L, d.seed());
        assertEquals(1, d.enabled());
        assertEquals(1 << 22, d.threshold());         // round(0.25 · 2^24)
        assertEquals(4.0 / 3.0, d.keepScale(), 0);   // 1/(1 − p)
        // a tiny p drops (almost) nothing yet still scales the survivors, as the reference does
        CudaAttention.Dropout tiny = CudaAttention.Dropout.of(new AttentionParams(1, false, 1e-9, 1));
        assertEquals(0, tiny.threshold());
        assertEquals(1, tiny.enabled());
        assertEquals(Float.class, CudaAttention.scalar(0, 0.5).getClass());
        assertEquals(Double.class, CudaAttention.scalar(1, 0.5).getClass());
    }

    @Test
    void normParameterChunksStayWithinTheGrid() {
        assertEquals(256, CudaNormsAndLosses.rowsPerChunk(1));
        assertEquals(256, CudaNormsAndLosses.rowsPerChunk(8192));
        int huge = 40_000_000;
        int per = CudaNormsAndLosses.rowsPerChunk(huge);
        assertTrue((huge + per - 1) / per <= 65535);
        // pass 1: 256 columns per block in x, one chunk per block in y
        LaunchConfig p = CudaNormsAndLosses.partialLaunch(769, 3);
        assertEquals(List.of(4, 3, 256), List.of(p.gridX(), p.gridY(), p.blockX()));
    }

    @Test
    void adamBiasCorrectionsAreFoldedAsPyTorchDoes() {
        double[] first = CudaOptimizers.adamScalars(new AdamConfig(1e-3, 0.9, 0.999, 1e-8, 0, true, false), 1);
        assertEquals(1e-3 / 0.1, first[0], 1e-15);          // γ/(1 − β₁¹)
        assertEquals(Math.sqrt(1e-3), first[1], 1e-15);     // √(1 − β₂¹)
        double[] second = CudaOptimizers.adamScalars(new AdamConfig(0.5, 0.5, 0.75, 0, 0, false, true), 2);
        assertEquals(0.5 / 0.75, second[0], 1e-15);          // 1 − 0.5² = 0.75
        assertEquals(Math.sqrt(1 - 0.5625), second[1], 1e-15);
    }
}
