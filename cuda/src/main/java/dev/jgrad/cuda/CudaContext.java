package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;

import java.lang.ref.Reference;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything jgrad keeps per GPU: its attributes, the caching allocator, and the {@link DeviceRuntime} that
 * runs its copies, kernels and GEMMs ({@link CudartRuntime}, one stream, so all work is ordered and a freed
 * block can be reused at once). Launchers pass tensors; this class turns them into device addresses, checking
 * that each lives on this device, and packs kernel arguments against their {@link KernelSpec}.
 */
final class CudaContext {

    private static final Map<Integer, CudaContext> CONTEXTS = new HashMap<>();

    final int index;
    final Device device;
    final int ccMajor, ccMinor, multiprocessors, maxSharedPerBlock;
    final CachingAllocator allocator;
    private final DeviceRuntime runtime;

    /** The context of CUDA device {@code index} on the real runtime, created on first use. */
    static synchronized CudaContext of(int index) {
        return CONTEXTS.computeIfAbsent(index, i -> new CudaContext(i, new CudartRuntime(i)));
    }

    /** A context of CUDA device {@code index} over {@code runtime} (the tests' CPU emulator). */
    CudaContext(int index, DeviceRuntime runtime) {
        this.index = index;
        this.device = Device.cuda(index);
        this.runtime = runtime;
        ccMajor = runtime.ccMajor();
        ccMinor = runtime.ccMinor();
        multiprocessors = runtime.multiprocessors();
        maxSharedPerBlock = runtime.maxSharedPerBlock();
        allocator = new CachingAllocator(runtime.memory(), CudaContext::collectGarbage, device.toString());
    }

    /** Asks the JVM to collect unreachable tensors, whose cleaners return device blocks to the allocator. */
    private static void collectGarbage() {
        System.gc();
    }

    /** The device address of element 0 of {@code t}, which must live on this device. */
    long address(Tensor t) {
        if (!(t.storage() instanceof CudaStorage s) || s.context() != this)
            throw new IllegalArgumentException("tensor of shape " + dev.jgrad.core.Shape.str(t.shape()) + " is on "
                    + t.device() + ", expected " + device);
        return s.address() + (long) t.offset() * t.dtype().byteSize();
    }

    // ---- kernels ---------------------------------------------------------------------------------------------

    /** Launches {@code spec} with {@code args} (see {@link KernelArgs}) on this device's stream. */
    void launch(KernelSpec spec, LaunchConfig cfg, Object... args) {
        if (cfg.sharedBytes() > maxSharedPerBlock)
            throw new IllegalArgumentException("kernel " + spec.name() + " needs " + cfg.sharedBytes()
                    + " bytes of shared memory; " + device + " allows " + maxSharedPerBlock + " per block");
        KernelArgs packed = KernelArgs.pack(spec, args, this::address);
        runtime.launch(spec, cfg, packed);
        Reference.reachabilityFence(args); // the tensors (and so their blocks) stay live until the launch is queued
    }

    /** Waits for all work queued on this device; a pending kernel error surfaces here, naming {@code after}. */
    void synchronize(String after) {
        runtime.synchronize(after);
    }

    /** cuBLAS-semantics strided-batched GEMM on device addresses (see {@link DeviceRuntime#gemm}). */
    void gemm(GemmPlan plan, DType in, DType out, boolean tf32, long a, long b, long c, double beta) {
        runtime.gemm(plan, in, out, tf32, a, b, c, beta);
    }

    // ---- memory ----------------------------------------------------------------------------------------------

    /** {@code {free, total}} bytes of device memory (cudaMemGetInfo). */
    long[] memoryInfo() {
        return runtime.memory().info();
    }

    /** Zeroes {@code bytes} at {@code address}, asynchronously. */
    void memsetZero(long address, long bytes) {
        runtime.memsetZero(address, bytes);
    }

    /** Device-to-device copy, asynchronous. */
    void copyDeviceToDevice(long dst, long src, long bytes) {
        runtime.copyDeviceToDevice(dst, src, bytes);
    }

    /**
     * Copies {@code count} elements of the host storage {@code src} from {@code srcOffset} to device address
     * {@code dst}. Returns before the copy finishes (the data is already staged, so {@code src} may change).
     */
    void hostToDevice(Storage src, int srcOffset, long dst, int count) {
        runtime.hostToDevice(src, srcOffset, dst, count);
    }

    /** Copies {@code count} elements at device address {@code src} into the host storage {@code dst} (waits). */
    void deviceToHost(long src, Storage dst, int dstOffset, int count) {
        runtime.deviceToHost(src, dst, dstOffset, count);
    }
}
