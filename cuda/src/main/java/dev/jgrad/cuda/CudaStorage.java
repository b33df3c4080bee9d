package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Storage;

import java.lang.ref.Cleaner;

/**
 * A buffer of device memory behind CUDA tensors: a block of the device's caching allocator.
 *
 * <p><b>Release.</b> {@link #close()} returns the block to the allocator's cache at once (deterministic; a
 * second close is a no-op). Storages created inside a {@link CudaMemory#scope()} are closed when the scope ends.
 * A storage nobody closes is returned to the cache by a {@link Cleaner} after the garbage collector finds it
 * unreachable, so a program that never closes anything does not leak; the allocator triggers that collection
 * itself before it reports out of memory. Using a closed storage throws {@link IllegalStateException}.
 *
 * <p>The element accessors copy one element across the bus (for printing and tests, not for kernels).
 */
public final class CudaStorage extends Storage implements AutoCloseable {

    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaContext context;
    private final CachingAllocator.Block block;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean closed;

    /** A zero-filled device buffer of {@code size} elements of {@code dtype}. */
    CudaStorage(CudaContext context, DType dtype, int size) {
        super(dtype, size);
        this.context = context;
        long bytes = (long) size * dtype.byteSize();
        this.block = context.allocator.allocate(bytes);
        this.cleanable = CLEANER.register(this, new Release(context.allocator, block));
        if (bytes > 0) context.memsetZero(block.address, bytes);
        CudaMemory.register(this);
    }

    /** Returns the block to the allocator; not a field of the storage, so the storage can become unreachable. */
    private record Release(CachingAllocator allocator, CachingAllocator.Block block) implements Runnable {
        @Override
        public void run() {
            allocator.release(block);
        }
    }

    CudaContext context() {
        return context;
    }

    /** The device address of element 0. */
    long address() {
        if (closed)
            throw new IllegalStateException("a " + device() + " storage of " + size() + " " + dtype()
                    + " elements was released (closed, or its CudaMemory scope ended) and cannot be used;"
                    + " keep tensors that outlive a scope with scope.keep(tensor)");
        return block.address;
    }

    /** Bytes of device memory held (the allocator's size class). */
    public long allocatedBytes() {
        return block.size;
    }

    /** True once released. */
    public boolean isClosed() {
        return closed;
    }

    /** Returns the device memory to the allocator's cache now. Idempotent. */
    @Override
    public void close() {
        closed = true;
        cleanable.clean();
    }

    @Override
    public Device device() {
        return context.device;
    }

    @Override
    public Storage newStorage(DType dtype, int size) {
        return new CudaStorage(context, dtype, size);
    }

    @Override
    public double getDouble(int i) {
        return hostElement(i).getDouble(0);
    }

    @Override
    public long getLong(int i) {
        return hostElement(i).getLong(0);
    }

    @Override
    public void setDouble(int i, double v) {
        Storage h = Storage.Cpu.allocate(dtype(), 1);
        h.setDouble(0, v);
        writeElement(i, h);
    }

    @Override
    public void setLong(int i, long v) {
        Storage h = Storage.Cpu.allocate(dtype(), 1);
        h.setLong(0, v);
        writeElement(i, h);
    }

    private Storage hostElement(int i) {
        checkIndex(i);
        Storage h = Storage.Cpu.allocate(dtype(), 1);
        context.deviceToHost(address() + (long) i * dtype().byteSize(), h, 0, 1);
        return h;
    }

    private void writeElement(int i, Storage h) {
        checkIndex(i);
        context.hostToDevice(h, 0, address() + (long) i * dtype().byteSize(), 1);
        bumpVersion();
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= size()) throw new IndexOutOfBoundsException("element " + i + " of a storage of " + size());
    }

    @Override
    public String toString() {
        return "CudaStorage(" + device() + ", " + size() + " " + dtype() + (closed ? ", closed)" : ")");
    }
}
