package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scopes, reuse of cached blocks and the out-of-memory message of {@code cuda:0}: on a GPU
 * ({@link CudaMemoryGpuTest}) and on the CPU emulator ({@link EmulatedMemoryTest}).
 */
abstract class CudaMemoryCases {

    private static final Device GPU = Device.cuda(0);

    @Test
    void aScopeReleasesEverythingButWhatItKeeps() {
        long before = CudaMemory.stats(GPU).inUseBytes();
        Tensor kept;
        Tensor dropped;
        try (CudaMemory.Scope scope = CudaMemory.scope()) {
            Tensor x = Tensor.ones(1000, 1000).to(GPU);
            dropped = x.mul(2).exp();
            kept = scope.keep(x.sum());
            assertTrue(scope.size() >= 2);
            assertTrue(CudaMemory.stats(GPU).inUseBytes() >= before + 8_000_000);
        }
        assertEquals(before + ((CudaStorage) kept.storage()).allocatedBytes(), CudaMemory.stats(GPU).inUseBytes());
        assertEquals(1e6, kept.item(), 0);
        var e = assertThrows(IllegalStateException.class, dropped::toFloatArray);
        assertTrue(e.getMessage().contains("released"), e.getMessage());
        CudaMemory.release(kept);
        assertEquals(before, CudaMemory.stats(GPU).inUseBytes());
    }

    @Test
    void nestedScopesHandKeptTensorsToTheirParent() {
        Tensor outer;
        try (CudaMemory.Scope a = CudaMemory.scope()) {
            try (CudaMemory.Scope b = CudaMemory.scope()) {
                outer = b.keep(Tensor.ones(10).to(GPU));
            }
            assertFalse(((CudaStorage) outer.storage()).isClosed());
            assertEquals(1, a.size());
        }
        assertTrue(((CudaStorage) outer.storage()).isClosed());
    }

    @Test
    void repeatedStepsReuseCachedBlocksInsteadOfCallingCudaMalloc() {
        for (int warm = 0; warm < 2; warm++) step();
        long mallocs = CudaMemory.stats(GPU).deviceMallocs();
        for (int i = 0; i < 20; i++) step();
        assertEquals(mallocs, CudaMemory.stats(GPU).deviceMallocs());
    }

    private static void step() {
        try (CudaMemory.Scope s = CudaMemory.scope()) {
            Tensor x = Tensor.empty(DType.F32, GPU, 256, 256);
            x.add(1).matmul(x).relu().sum().item();
        }
    }

    @Test
    void outOfMemoryStatesRequestedAndFreeBytes() {
        CachingAllocator a = CudaBackend.forDevice(GPU).context().allocator;
        var e = assertThrows(CudaOutOfMemoryError.class, () -> a.allocate(1L << 50));
        assertEquals(1L << 50, e.requestedBytes());
        assertTrue(e.freeBytes() > 0);
        assertTrue(e.getMessage().contains("1048576.00 GiB") && e.getMessage().contains("free"), e.getMessage());
    }
}
