package dev.jgrad.cuda;

import dev.jgrad.core.Device;
import dev.jgrad.core.Tensor;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Deterministic release of GPU memory, and memory statistics.
 *
 * <pre>{@code
 * try (CudaMemory.Scope scope = CudaMemory.scope()) {
 *     Tensor logits = model.forward(tokens);        // every CUDA buffer allocated in here ...
 *     result = scope.keep(logits.argmax(-1, false)); // ... except the kept ones ...
 * }                                                  // ... returns to the cache here
 * }</pre>
 *
 * <p>A scope belongs to the thread that opened it and collects the {@link CudaStorage}s created on that thread
 * while it is the innermost open scope. {@link Scope#close()} closes all of them except those passed to
 * {@link Scope#keep}, which move to the enclosing scope (or, from the outermost scope, become unscoped).
 *
 * <p><b>Training without leaks.</b> Parameters moved with {@code module.to(Device.cuda(0))} and optimizer
 * state created outside any scope are unscoped: they live as long as they are reachable. A training step can
 * run inside a scope once the optimizer state exists (the first step creates it: run that step outside a
 * scope, or keep its state); gradients are cleared with {@code zeroGrad()} (set to null) before the scope
 * ends. Without scopes nothing leaks either: unreachable CUDA storages are returned to the allocator's cache
 * by a cleaner, and the allocator runs a garbage collection before it reports out of memory. Scopes make
 * the release immediate and the peak memory predictable.
 */
public final class CudaMemory {

    private static final ThreadLocal<ArrayDeque<Scope>> SCOPES = ThreadLocal.withInitial(ArrayDeque::new);

    private CudaMemory() {}

    /** Opens a scope on this thread (close it with try-with-resources). */
    public static Scope scope() {
        Scope s = new Scope();
        SCOPES.get().push(s);
        return s;
    }

    /** Called by every new CudaStorage: the innermost open scope of this thread takes it. */
    static void register(CudaStorage storage) {
        Scope s = SCOPES.get().peek();
        if (s != null) s.storages.add(storage);
    }

    /**
     * Takes {@code t}'s storage out of every open scope of this thread, so that it lives as long as it is
     * reachable (for buffers a backend caches across calls, which must survive the caller's scope).
     */
    static Tensor unscoped(Tensor t) {
        if (t.storage() instanceof CudaStorage s) for (Scope sc : SCOPES.get()) sc.storages.remove(s);
        return t;
    }

    /** Releases the device memory of {@code t}'s storage now (every view of it becomes unusable). */
    public static void release(Tensor t) {
        if (t.storage() instanceof CudaStorage s) s.close();
    }

    /** Frees the idle blocks the allocator of {@code device} caches (cudaFree), e.g. before handing the GPU to another process. */
    public static void emptyCache(Device device) {
        CudaBackend.forDevice(device).context().allocator.emptyCache();
    }

    /** Memory held by jgrad on {@code device}, and the device's free and total memory. */
    public static Stats stats(Device device) {
        CudaContext c = CudaBackend.forDevice(device).context();
        CachingAllocator a = c.allocator;
        long[] info = c.memoryInfo();
        return new Stats(a.inUseBytes(), a.cachedBytes(), a.peakBytes(), a.deviceMallocs(), info[0], info[1]);
    }

    /**
     * @param inUseBytes    bytes in live jgrad buffers (size classes)
     * @param cachedBytes   bytes in idle cached blocks, reused before new device allocations
     * @param peakBytes     the most bytes in use at once so far
     * @param deviceMallocs how many cudaMalloc calls the cache could not avoid
     * @param freeBytes     free device memory (all processes)
     * @param totalBytes    device memory
     */
    public record Stats(long inUseBytes, long cachedBytes, long peakBytes, long deviceMallocs, long freeBytes,
                        long totalBytes) {}

    /** The storages allocated on one thread while this scope was the innermost one. */
    public static final class Scope implements AutoCloseable {
        private final Set<CudaStorage> storages = Collections.newSetFromMap(new IdentityHashMap<>());
        private final Thread owner = Thread.currentThread();
        private boolean closed;

        private Scope() {}

        /** Excludes {@code t}'s storage from this scope's release (it moves to the enclosing scope, if any). */
        public Tensor keep(Tensor t) {
            if (t.storage() instanceof CudaStorage s && storages.remove(s)) {
                ArrayDeque<Scope> stack = SCOPES.get();
                Scope parent = null;
                boolean seenSelf = false;
                for (Scope sc : stack) { // innermost first
                    if (seenSelf) { parent = sc; break; }
                    if (sc == this) seenSelf = true;
                }
                if (parent != null) parent.storages.add(s);
            }
            return t;
        }

        /** Keeps several tensors (see {@link #keep(Tensor)}). */
        public void keep(Iterable<Tensor> tensors) {
            for (Tensor t : tensors) keep(t);
        }

        /** How many storages this scope would release now. */
        public int size() {
            return storages.size();
        }

        /** Releases every storage of this scope that was not kept. Scopes must close innermost first. */
        @Override
        public void close() {
            if (closed) return;
            if (Thread.currentThread() != owner)
                throw new IllegalStateException("a CudaMemory scope must be closed by the thread that opened it");
            ArrayDeque<Scope> stack = SCOPES.get();
            if (stack.peek() != this)
                throw new IllegalStateException("CudaMemory scopes must be closed innermost first");
            stack.pop();
            closed = true;
            for (CudaStorage s : storages) s.close();
            storages.clear();
        }
    }
}
