package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Storage;

/**
 * What {@link CudaContext} needs from one GPU: its attributes, raw memory, ordered asynchronous copies, kernel
 * launches and cuBLAS's strided-batched GEMM. {@link CudartRuntime} is the real one (the CUDA runtime, driver,
 * NVRTC and cuBLAS through JavaCPP); the tests also run the whole backend on a CPU emulator of the kernels, which
 * implements this interface over host memory.
 *
 * <p>All work of a runtime is ordered (one stream): a copy or launch sees the effects of everything queued
 * before it, so a freed block can be reused at once.
 */
interface DeviceRuntime {

    /** Compute capability, major and minor. */
    int ccMajor();

    int ccMinor();

    /** Streaming multiprocessors (sizes grid-stride launches). */
    int multiprocessors();

    /** The most dynamic shared memory one block may opt into, in bytes. */
    int maxSharedPerBlock();

    /** cudaMalloc / cudaFree / cudaMemGetInfo. */
    DeviceMemory memory();

    /** Queues {@code spec} on {@code cfg} with packed {@code args} (checked against the spec already). */
    void launch(KernelSpec spec, LaunchConfig cfg, KernelArgs args);

    /** Zeroes {@code bytes} at {@code address}, asynchronously. */
    void memsetZero(long address, long bytes);

    /** Device-to-device copy, asynchronous. */
    void copyDeviceToDevice(long dst, long src, long bytes);

    /** Copies {@code count} elements of {@code src} from {@code srcOffset} to {@code dst}; {@code src} may change on return. */
    void hostToDevice(Storage src, int srcOffset, long dst, int count);

    /** Copies {@code count} elements at {@code src} into {@code dst} from {@code dstOffset}, after all queued work (waits). */
    void deviceToHost(long src, Storage dst, int dstOffset, int count);

    /** Waits for all queued work; a pending kernel error surfaces here, naming {@code after}. */
    void synchronize(String after);

    /**
     * {@code C[p] = op(A[p])·op(B[p]) + beta·C[p]} for {@code p < batch}, column-major, with cuBLAS's
     * {@code gemmStridedBatched} semantics and the plan's sizes, ops, leading dimensions and batch strides
     * ({@link GemmPlan}). {@code in} is F32, BF16 or F64 (then {@code out} is F64); {@code out} is F32 or BF16 for
     * the others; {@code tf32} allows TF32 tensor cores for F32.
     */
    void gemm(GemmPlan plan, DType in, DType out, boolean tf32, long a, long b, long c, double beta);
}
