package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Storage;

import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * The real {@link DeviceRuntime} of one GPU, through JavaCPP's CUDA presets: the one stream all its work runs on
 * (so work is ordered and freed blocks can be reused without events), the cuBLAS handle, the kernel modules
 * (compiled by NVRTC at first use, {@link KernelCompiler}), and two pinned host staging buffers for asynchronous
 * copies.
 *
 * <p>Calls are serialized (methods are synchronized) and make the device current on the calling thread first.
 * With {@code -Djgrad.cuda.sync=true} every launch is followed by a stream synchronize, so an asynchronous kernel
 * error is reported by the launch that caused it (for debugging; slow).
 */
final class CudartRuntime implements DeviceRuntime {

    /** Pinned staging buffer size: host-device copies run in chunks of this many bytes, double buffered. */
    static final int STAGING_BYTES = 16 << 20;
    private static final boolean SYNC_EACH_LAUNCH = Boolean.getBoolean("jgrad.cuda.sync");
    private static final int DEFAULT_SHARED_LIMIT = 48 << 10;
    private static final ThreadLocal<Integer> CURRENT = new ThreadLocal<>();

    private final int index;
    private final int ccMajor, ccMinor, multiprocessors, maxSharedPerBlock;
    private final CUstream_st stream;
    private final DeviceMemory memory;
    private final cublasContext cublasHandle;
    private final NvrtcTarget target;
    private final Map<String, CUmod_st> modules = new HashMap<>();
    private final Map<String, CUfunc_st> functions = new HashMap<>();
    private final Map<String, Integer> sharedLimits = new HashMap<>();
    private final BytePointer argBytes = new BytePointer(4096);
    private final LongPointer argPointers = new LongPointer(64);
    private final FloatPointer alphaF = new FloatPointer(1), betaF = new FloatPointer(1);
    private final DoublePointer alphaD = new DoublePointer(1), betaD = new DoublePointer(1);
    private final Staging[] staging = new Staging[2];
    private int nextStaging;

    CudartRuntime(int index) {
        this.index = index;
        Native.check(cudart.cudaSetDevice(index), "cudaSetDevice(" + index + ")");
        Native.check(cudart.cudaFree(null), "cudaFree(null) (context creation)");
        CURRENT.set(index);
        ccMajor = attribute(cudart.cudaDevAttrComputeCapabilityMajor);
        ccMinor = attribute(cudart.cudaDevAttrComputeCapabilityMinor);
        multiprocessors = attribute(cudart.cudaDevAttrMultiProcessorCount);
        maxSharedPerBlock = attribute(cudart.cudaDevAttrMaxSharedMemoryPerBlockOptin);
        stream = new CUstream_st();
        Native.check(cudart.cudaStreamCreateWithFlags(stream, cudart.cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
        cublasHandle = new cublasContext();
        Native.checkCublas(cublas.cublasCreate_v2(cublasHandle), "cublasCreate");
        Native.checkCublas(cublas.cublasSetStream_v2(cublasHandle, stream), "cublasSetStream");
        memory = new RuntimeMemory();
        target = NvrtcTarget.choose(ccMajor, ccMinor, KernelCompiler.supportedArchs());
    }

    private int attribute(int attr) {
        int[] v = new int[1];
        Native.check(cudart.cudaDeviceGetAttribute(v, attr, index), "cudaDeviceGetAttribute(" + attr + ")");
        return v[0];
    }

    @Override
    public int ccMajor() {
        return ccMajor;
    }

    @Override
    public int ccMinor() {
        return ccMinor;
    }

    @Override
    public int multiprocessors() {
        return multiprocessors;
    }

    @Override
    public int maxSharedPerBlock() {
        return maxSharedPerBlock;
    }

    @Override
    public DeviceMemory memory() {
        return memory;
    }

    /** Makes this device current on the calling thread. */
    private void makeCurrent() {
        Integer c = CURRENT.get();
        if (c == null || c != index) {
            Native.check(cudart.cudaSetDevice(index), "cudaSetDevice(" + index + ")");
            CURRENT.set(index);
        }
    }

    // ---- kernels ---------------------------------------------------------------------------------------------

    @Override
    public synchronized void launch(KernelSpec spec, LaunchConfig cfg, KernelArgs packed) {
        makeCurrent();
        CUfunc_st f = function(spec);
        if (packed.size() > argBytes.capacity())
            throw new IllegalStateException("kernel " + spec.name() + " arguments take " + packed.size() + " bytes");
        argBytes.position(0).put(packed.bytes, 0, packed.size());
        for (int i = 0; i < packed.offsets.length; i++) argPointers.put(i, argBytes.address() + packed.offsets[i]);
        if (cfg.sharedBytes() > DEFAULT_SHARED_LIMIT) raiseSharedLimit(spec, f, cfg.sharedBytes());
        Native.checkDriver(cudart.cuLaunchKernel(f, cfg.gridX(), cfg.gridY(), cfg.gridZ(), cfg.blockX(), cfg.blockY(),
                cfg.blockZ(), cfg.sharedBytes(), stream, argPointers, null), "cuLaunchKernel(" + spec.name() + ")");
        if (SYNC_EACH_LAUNCH) synchronize("kernel " + spec.name());
    }

    private void raiseSharedLimit(KernelSpec spec, CUfunc_st f, int bytes) {
        if (bytes > maxSharedPerBlock)
            throw new IllegalArgumentException("kernel " + spec.name() + " needs " + bytes + " bytes of shared memory; "
                    + "device " + index + " allows " + maxSharedPerBlock + " per block");
        Integer set = sharedLimits.get(spec.name());
        if (set != null && set >= bytes) return;
        Native.checkDriver(cudart.cuFuncSetAttribute(f, cudart.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
                "cuFuncSetAttribute(" + spec.name() + ", max dynamic shared memory " + bytes + ")");
        sharedLimits.put(spec.name(), bytes);
    }

    private CUfunc_st function(KernelSpec spec) {
        CUfunc_st f = functions.get(spec.name());
        if (f != null) return f;
        CUmod_st module = modules.get(spec.file());
        if (module == null) {
            byte[] image = KernelCompiler.image(spec.file(), target);
            module = new CUmod_st();
            Native.checkDriver(cudart.cuModuleLoadData(module, new BytePointer(image)), "cuModuleLoadData(" + spec.file() + ")");
            modules.put(spec.file(), module);
        }
        f = new CUfunc_st();
        Native.checkDriver(cudart.cuModuleGetFunction(f, module, spec.name()), "cuModuleGetFunction(" + spec.name() + ")");
        functions.put(spec.name(), f);
        return f;
    }

    @Override
    public synchronized void synchronize(String after) {
        makeCurrent();
        Native.check(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize (after " + after + ")");
    }

    // ---- cuBLAS ------------------------------------------------------------------------------------------------

    @Override
    public synchronized void gemm(GemmPlan p, DType in, DType out, boolean tf32, long a, long b, long c, double beta) {
        makeCurrent();
        int opA = p.transA() ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N;
        int opB = p.transB() ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N;
        Pointer A = Native.ptr(a), B = Native.ptr(b), C = Native.ptr(c);
        if (in == DType.F64) {
            alphaD.put(0, 1.0);
            betaD.put(0, beta);
            Native.checkCublas(cublas.cublasDgemmStridedBatched(cublasHandle, opA, opB, p.m(), p.n(), p.k(), alphaD,
                    new DoublePointer(A), p.lda(), p.strideA(), new DoublePointer(B), p.ldb(), p.strideB(), betaD,
                    new DoublePointer(C), p.ldc(), p.strideC(), p.batch()), "cublasDgemmStridedBatched");
            return;
        }
        int inType, compute;
        if (in == DType.F32) {
            inType = cudart.CUDA_R_32F;
            compute = tf32 ? cublas.CUBLAS_COMPUTE_32F_FAST_TF32 : cublas.CUBLAS_COMPUTE_32F;
        } else if (in == DType.BF16) {
            inType = cudart.CUDA_R_16BF;
            compute = cublas.CUBLAS_COMPUTE_32F;
        } else {
            throw new IllegalArgumentException("matmul on CUDA supports F32, F64 and BF16 operands, not " + in);
        }
        int outType = switch (out) {
            case F32 -> cudart.CUDA_R_32F;
            case BF16 -> cudart.CUDA_R_16BF;
            default -> throw new IllegalArgumentException("matmul on CUDA writes F32 or BF16 from " + in
                    + " operands, not " + out);
        };
        alphaF.put(0, 1f);
        betaF.put(0, (float) beta);
        Native.checkCublas(cublas.cublasGemmStridedBatchedEx(cublasHandle, opA, opB, p.m(), p.n(), p.k(), alphaF,
                A, inType, p.lda(), p.strideA(), B, inType, p.ldb(), p.strideB(), betaF,
                C, outType, p.ldc(), p.strideC(), p.batch(), compute, cublas.CUBLAS_GEMM_DEFAULT),
                "cublasGemmStridedBatchedEx");
    }

    // ---- memory ----------------------------------------------------------------------------------------------

    @Override
    public synchronized void memsetZero(long address, long bytes) {
        makeCurrent();
        Native.check(cudart.cudaMemsetAsync(Native.ptr(address), 0, bytes, stream), "cudaMemsetAsync");
    }

    @Override
    public synchronized void copyDeviceToDevice(long dst, long src, long bytes) {
        makeCurrent();
        Native.check(cudart.cudaMemcpyAsync(Native.ptr(dst), Native.ptr(src), bytes, cudart.cudaMemcpyDeviceToDevice,
                stream), "cudaMemcpyAsync(device to device)");
    }

    /**
     * Chunks go through the two pinned staging buffers in turn: while the GPU copies one, the host fills the
     * other. Returns before the copy finishes (the data is already staged, so {@code src} may change).
     */
    @Override
    public synchronized void hostToDevice(Storage src, int srcOffset, long dst, int count) {
        makeCurrent();
        int elem = src.dtype().byteSize(), perChunk = STAGING_BYTES / elem;
        for (int done = 0; done < count; done += perChunk) {
            int n = Math.min(perChunk, count - done);
            Staging s = staging(nextStaging);
            nextStaging ^= 1;
            s.awaitIdle();
            HostArrays.put(s.buffer, src, srcOffset + done, n);
            Native.check(cudart.cudaMemcpyAsync(Native.ptr(dst + (long) done * elem), s.pointer, (long) n * elem,
                    cudart.cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync(host to device)");
            Native.check(cudart.cudaEventRecord(s.event, stream), "cudaEventRecord");
        }
    }

    @Override
    public synchronized void deviceToHost(long src, Storage dst, int dstOffset, int count) {
        makeCurrent();
        int elem = dst.dtype().byteSize(), perChunk = STAGING_BYTES / elem;
        for (int done = 0; done < count; done += perChunk) {
            int n = Math.min(perChunk, count - done);
            Staging s = staging(0);
            s.awaitIdle();
            Native.check(cudart.cudaMemcpyAsync(s.pointer, Native.ptr(src + (long) done * elem), (long) n * elem,
                    cudart.cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync(device to host)");
            Native.check(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize (device to host copy)");
            HostArrays.get(s.buffer, dst, dstOffset + done, n);
        }
    }

    private Staging staging(int i) {
        if (staging[i] == null) staging[i] = new Staging();
        return staging[i];
    }

    /** A pinned host buffer and the event recorded after the last copy that reads it. */
    private static final class Staging {
        final Pointer pointer = new Pointer();
        final ByteBuffer buffer;
        final CUevent_st event = new CUevent_st();

        Staging() {
            Native.check(cudart.cudaMallocHost(pointer, STAGING_BYTES), "cudaMallocHost(" + STAGING_BYTES + ")");
            buffer = new BytePointer(pointer).capacity(STAGING_BYTES).limit(STAGING_BYTES).asByteBuffer()
                    .order(ByteOrder.nativeOrder());
            Native.check(cudart.cudaEventCreateWithFlags(event, cudart.cudaEventDisableTiming), "cudaEventCreateWithFlags");
        }

        void awaitIdle() {
            Native.check(cudart.cudaEventSynchronize(event), "cudaEventSynchronize (staging buffer)");
        }
    }

    /** cudaMalloc / cudaFree / cudaMemGetInfo of this device. */
    private final class RuntimeMemory implements DeviceMemory {
        @Override
        public long malloc(long bytes) {
            makeCurrent();
            Pointer p = new Pointer();
            int status = cudart.cudaMalloc(p, bytes);
            if (status == cudart.cudaErrorMemoryAllocation) {
                cudart.cudaGetLastError(); // clear the sticky-free error state
                return 0;
            }
            Native.check(status, "cudaMalloc(" + bytes + ")");
            return p.address();
        }

        @Override
        public void free(long address) {
            makeCurrent();
            Native.check(cudart.cudaFree(Native.ptr(address)), "cudaFree");
        }

        @Override
        public long[] info() {
            synchronized (CudartRuntime.this) {
                makeCurrent();
                SizeTPointer free = new SizeTPointer(1), total = new SizeTPointer(1);
                Native.check(cudart.cudaMemGetInfo(free, total), "cudaMemGetInfo");
                return new long[] {free.get(), total.get()};
            }
        }
    }
}
