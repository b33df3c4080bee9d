package dev.jgrad.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A caching allocator of device memory: freed blocks are kept in per-size-class free lists and handed out again
 * instead of calling {@code cudaFree} and {@code cudaMalloc} for every tensor (both are slow, and cudaFree
 * synchronizes the device).
 *
 * <p><b>Size classes.</b> A request of {@code n} bytes is rounded up to a class: the minimum is 512 bytes
 * (so every block is 512-byte aligned in size, and tiny tensors share one class), and above that the next of
 * the four steps {@code 2^e · {1, 1.25, 1.5, 1.75}}. Rounding wastes less than 25% of a block (12.5% on
 * average) and keeps the number of classes small, so the blocks a training step frees fit the next step's
 * requests of the same shapes exactly. A block is reused only for its own class.
 *
 * <p><b>Out of memory.</b> When {@code cudaMalloc} fails the allocator frees every cached idle block and
 * retries; then it runs the reclaim hook (a garbage collection, after which the cleaners of unreachable CUDA
 * storages return their blocks) up to three times, checking the cache and retrying after each; then it throws
 * {@link CudaOutOfMemoryError} stating the requested and free bytes.
 *
 * <p>Thread-safe: a storage's cleaner may return a block from the cleaner thread. Returning a block while
 * kernels that use it are still queued is safe because all work of a device runs on one stream, in order: the
 * next user of the block is queued after them.
 */
final class CachingAllocator {

    static final long MIN_BLOCK = 512;

    /** One device buffer of a size class. */
    static final class Block {
        final long address;
        final long size;
        private final AtomicBoolean free = new AtomicBoolean();

        Block(long address, long size) {
            this.address = address;
            this.size = size;
        }
    }

    private final DeviceMemory memory;
    private final Runnable reclaim;
    private final String deviceName;
    private final Map<Long, ArrayDeque<Block>> freeLists = new HashMap<>();
    private long inUse, cached, peak, mallocs;

    CachingAllocator(DeviceMemory memory, Runnable reclaim, String deviceName) {
        this.memory = memory;
        this.reclaim = reclaim;
        this.deviceName = deviceName;
    }

    /** The size class of a request: at least 512 bytes, else rounded up to 2^e·{1, 1.25, 1.5, 1.75}. */
    static long sizeClass(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative allocation size " + bytes);
        if (bytes <= MIN_BLOCK) return MIN_BLOCK;
        long pow = Long.highestOneBit(bytes);
        if (pow == bytes) return bytes;
        long step = pow / 4;
        return (bytes + step - 1) / step * step;
    }

    /** A block of at least {@code bytes} (its size is the class), reusing a cached one when possible. */
    synchronized Block allocate(long bytes) {
        long size = sizeClass(bytes);
        Block b = takeCached(size);
        if (b == null) b = mallocWithRecovery(bytes, size);
        b.free.set(false);
        inUse += size;
        peak = Math.max(peak, inUse);
        return b;
    }

    /** Returns {@code block} to the cache. A second release of the same block is ignored. */
    synchronized void release(Block block) {
        if (!block.free.compareAndSet(false, true)) return;
        inUse -= block.size;
        cached += block.size;
        freeLists.computeIfAbsent(block.size, s -> new ArrayDeque<>()).push(block);
    }

    /** Frees every cached idle block with cudaFree. */
    synchronized void emptyCache() {
        for (ArrayDeque<Block> list : freeLists.values()) {
            for (Block b : list) memory.free(b.address);
            list.clear();
        }
        cached = 0;
    }

    private Block takeCached(long size) {
        ArrayDeque<Block> list = freeLists.get(size);
        if (list == null || list.isEmpty()) return null;
        cached -= size;
        return list.pop();
    }

    private Block mallocWithRecovery(long requested, long size) {
        long p = memory.malloc(size);
        if (p == 0 && cached > 0) {
            emptyCache();
            p = memory.malloc(size);
        }
        for (int attempt = 1; p == 0 && attempt <= 3; attempt++) {
            reclaimOutsideLock(attempt);
            Block b = takeCached(size);
            if (b != null) return b;
            emptyCache();
            p = memory.malloc(size);
        }
        if (p == 0) {
            long[] info = memory.info();
            throw new CudaOutOfMemoryError(String.format(java.util.Locale.ROOT,
                    "CUDA out of memory on %s: tried to allocate %s (size class %s) but only %s of %s are free;"
                            + " jgrad holds %s in live tensors. Release tensors early (CudaMemory.scope(),"
                            + " CudaStorage.close()) or use smaller batches.",
                    deviceName, bytes(requested), bytes(size), bytes(info[0]), bytes(info[1]), bytes(inUse)),
                    requested, info[0]);
        }
        mallocs++;
        return new Block(p, size);
    }

    /** Runs the reclaim hook without holding this lock, so cleaners can return blocks meanwhile. */
    private void reclaimOutsideLock(int attempt) {
        // The caller holds the monitor; wait() releases it while the collector and cleaners run.
        reclaim.run();
        try {
            wait(10L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String bytes(long b) {
        if (b < 1024) return b + " B";
        if (b < 1L << 20) return String.format(java.util.Locale.ROOT, "%.1f KiB", b / 1024.0);
        if (b < 1L << 30) return String.format(java.util.Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
        return String.format(java.util.Locale.ROOT, "%.2f GiB", b / (double) (1L << 30));
    }

    /** Bytes in blocks handed out and not yet released. */
    synchronized long inUseBytes() {
        return inUse;
    }

    /** Bytes in idle cached blocks. */
    synchronized long cachedBytes() {
        return cached;
    }

    /** The most bytes ever in use at once. */
    synchronized long peakBytes() {
        return peak;
    }

    /** How many times the device allocator was called (cache misses). */
    synchronized long deviceMallocs() {
        return mallocs;
    }
}
