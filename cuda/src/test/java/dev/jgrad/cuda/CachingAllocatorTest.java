package dev.jgrad.cuda;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CachingAllocatorTest {

    /** A fake device with a byte budget. */
    static final class FakeMemory implements DeviceMemory {
        final long total;
        long used, nextAddress = 1 << 20;
        int mallocs, frees;
        final Set<Long> live = new HashSet<>();
        final java.util.Map<Long, Long> sizes = new java.util.HashMap<>();

        FakeMemory(long total) {
            this.total = total;
        }

        @Override
        public long malloc(long bytes) {
            if (used + bytes > total) return 0;
            mallocs++;
            used += bytes;
            long a = nextAddress;
            nextAddress += bytes + 4096;
            live.add(a);
            sizes.put(a, bytes);
            return a;
        }

        @Override
        public void free(long address) {
            assertTrue(live.remove(address), "double or foreign free of " + address);
            used -= sizes.remove(address);
            frees++;
        }

        @Override
        public long[] info() {
            return new long[] {total - used, total};
        }
    }

    @Test
    void sizeClassesRoundUpToQuarterStepsAbove512Bytes() {
        assertEquals(512, CachingAllocator.sizeClass(0));
        assertEquals(512, CachingAllocator.sizeClass(1));
        assertEquals(512, CachingAllocator.sizeClass(512));
        assertEquals(640, CachingAllocator.sizeClass(513));   // 512 + 128
        assertEquals(768, CachingAllocator.sizeClass(700));
        assertEquals(1024, CachingAllocator.sizeClass(1000));
        assertEquals(1 << 20, CachingAllocator.sizeClass(1 << 20));
        assertEquals(5L << 18, CachingAllocator.sizeClass((1 << 20) + 1)); // 1.25 MiB
        assertEquals(7L << 28, CachingAllocator.sizeClass((3L << 29) + 5)); // 1.5 GiB + 5 -> 1.75 GiB
        for (long n = 1; n < 1L << 34; n = n * 3 + 1) {
            long c = CachingAllocator.sizeClass(n);
            assertTrue(c >= n && c % 128 == 0, n + " -> " + c);
            assertTrue(n <= 512 || c < n * 1.25 + 1, "waste over 25% for " + n + " -> " + c);
        }
    }

    @Test
    void freedBlocksAreReusedForTheirSizeClassOnly() {
        FakeMemory mem = new FakeMemory(1 << 30);
        CachingAllocator a = new CachingAllocator(mem, () -> {}, "fake:0");
        CachingAllocator.Block b1 = a.allocate(1000);
        assertEquals(1024, b1.size);
        a.release(b1);
        assertEquals(0, a.inUseBytes());
        assertEquals(1024, a.cachedBytes());
        CachingAllocator.Block b2 = a.allocate(900);      // same class (1024): the same block comes back
        assertEquals(b1.address, b2.address);
        assertEquals(1, mem.mallocs);
        CachingAllocator.Block b3 = a.allocate(2000);     // another class: a new device allocation
        assertNotEquals(b1.address, b3.address);
        assertEquals(2, mem.mallocs);
        assertEquals(1024 + 2048, a.inUseBytes());
        assertEquals(3072, a.peakBytes());
    }

    @Test
    void releaseIsIdempotentAndEmptyCacheFreesIdleBlocks() {
        FakeMemory mem = new FakeMemory(1 << 30);
        CachingAllocator a = new CachingAllocator(mem, () -> {}, "fake:0");
        List<CachingAllocator.Block> blocks = new ArrayList<>();
        for (int i = 0; i < 5; i++) blocks.add(a.allocate(4096));
        for (CachingAllocator.Block b : blocks) {
            a.release(b);
            a.release(b);
        }
        assertEquals(0, a.inUseBytes());
        assertEquals(5 * 4096, a.cachedBytes());
        a.emptyCache();
        assertEquals(5, mem.frees);
        assertEquals(0, mem.used);
        assertEquals(0, a.cachedBytes());
    }

    @Test
    void outOfMemoryFirstReturnsCachedBlocksThenReclaimsThenReportsSizes() {
        FakeMemory mem = new FakeMemory(10_000);
        int[] reclaims = {0};
        CachingAllocator a = new CachingAllocator(mem, () -> reclaims[0]++, "fake:0");
        CachingAllocator.Block small = a.allocate(4000);   // class 4096
        a.release(small);                                   // cached, still held on the device
        CachingAllocator.Block big = a.allocate(8000);      // 8192: fits only after the cache is emptied
        assertEquals(8192, big.size);
        assertEquals(1, mem.frees);
        assertEquals(0, reclaims[0]);
        var e = assertThrows(CudaOutOfMemoryError.class, () -> a.allocate(5000));
        assertEquals(3, reclaims[0]);
        assertEquals(5000, e.requestedBytes());
        assertEquals(10_000 - 8192, e.freeBytes());
        assertTrue(e.getMessage().contains("fake:0") && e.getMessage().contains("4.9 KiB")
                && e.getMessage().contains("1.8 KiB") && e.getMessage().contains("9.8 KiB"), e.getMessage());
    }

    @Test
    void aReclaimThatReturnsABlockSatisfiesTheRequest() {
        FakeMemory mem = new FakeMemory(5000);
        CachingAllocator[] holder = new CachingAllocator[1];
        CachingAllocator.Block[] dead = new CachingAllocator.Block[1];
        // The "garbage collector": returns the block an unreachable tensor held.
        holder[0] = new CachingAllocator(mem, () -> {
            if (dead[0] != null) holder[0].release(dead[0]);
            dead[0] = null;
        }, "fake:0");
        dead[0] = holder[0].allocate(4096);
        CachingAllocator.Block again = holder[0].allocate(4000);
        assertEquals(4096, again.size);
        assertEquals(1, mem.mallocs);
    }
}
