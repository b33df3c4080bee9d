package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Storage;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@link DeviceRuntime} of the CPU emulator ({@link Emulator}): "device memory" is host memory from
 * {@code aligned_alloc} (256-byte aligned, like cudaMalloc's), so device addresses are host addresses the compiled
 * kernels dereference directly; every operation completes before it returns (one in-order stream, trivially);
 * a launch runs the kernel's wrapper through {@code jg_emu_launch}; a GEMM is the literal column-major
 * definition of cuBLAS's {@code gemmStridedBatched}, summed in double (TF32 rounds the float32 operands to
 * 10-bit mantissas first).
 *
 * <p>It reports compute capability 9.0, 2 multiprocessors (so grid-stride kernels loop) and 227 KiB of
 * opt-in shared memory per block, like an H100, and {@link #TOTAL_BYTES} of memory.
 */
final class EmulatedRuntime implements DeviceRuntime {

    static final long TOTAL_BYTES = 3L << 30;
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final int ERROR_BYTES = 1024;

    private final SymbolLookup library;
    private final MethodHandle launch, alignedAlloc, free;
    private final Map<String, MemorySegment> wrappers = new HashMap<>();
    private final Map<Long, Long> allocations = new HashMap<>();
    private long used;
    private long launches;
    /** Run each block's threads last to first instead of first to last. */
    volatile boolean reverseThreads;

    EmulatedRuntime(Path lib) {
        Linker linker = Linker.nativeLinker();
        library = SymbolLookup.libraryLookup(lib, Arena.global());
        launch = linker.downcallHandle(library.find("jg_emu_launch").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        SymbolLookup libc = linker.defaultLookup();
        alignedAlloc = linker.downcallHandle(libc.find("aligned_alloc").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        free = linker.downcallHandle(libc.find("free").orElseThrow(), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    }

    /** A function of the emulator library (for tests of device code that is not a kernel). */
    MethodHandle function(String name, FunctionDescriptor signature) {
        return Linker.nativeLinker().downcallHandle(library.find(name).orElseThrow(
                () -> new IllegalStateException("the emulator library has no function " + name)), signature);
    }

    /** How many kernels ran (tests check that work really went through the emulated device). */
    synchronized long launches() {
        return launches;
    }

    @Override
    public int ccMajor() {
        return 9;
    }

    @Override
    public int ccMinor() {
        return 0;
    }

    @Override
    public int multiprocessors() {
        return 2;
    }

    @Override
    public int maxSharedPerBlock() {
        return 227 << 10;
    }

    // ---- memory ----------------------------------------------------------------------------------------------

    private final DeviceMemory memory = new DeviceMemory() {
        @Override
        public long malloc(long bytes) {
            synchronized (EmulatedRuntime.this) {
                long size = Math.max(256, (bytes + 255) / 256 * 256);
                if (used + size > TOTAL_BYTES) return 0;
                try {
                    long address = ((MemorySegment) alignedAlloc.invokeExact(256L, size)).address();
                    if (address == 0) return 0;
                    allocations.put(address, size);
                    used += size;
                    return address;
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
            }
        }

        @Override
        public void free(long address) {
            synchronized (EmulatedRuntime.this) {
                Long size = allocations.remove(address);
                if (size == null) throw new IllegalStateException("free of " + address + ", which is not allocated");
                used -= size;
                try {
                    free.invokeExact(MemorySegment.ofAddress(address));
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
            }
        }

        @Override
        public long[] info() {
            synchronized (EmulatedRuntime.this) {
                return new long[] {TOTAL_BYTES - used, TOTAL_BYTES};
            }
        }
    };

    @Override
    public DeviceMemory memory() {
        return memory;
    }

    @Override
    public synchronized void memsetZero(long address, long bytes) {
        ALL.asSlice(address, bytes).fill((byte) 0);
    }

    @Override
    public synchronized void copyDeviceToDevice(long dst, long src, long bytes) {
        MemorySegment.copy(ALL, src, ALL, dst, bytes);
    }

    @Override
    public synchronized void hostToDevice(Storage src, int srcOffset, long dst, int count) {
        HostArrays.put(buffer(dst, (long) count * src.dtype().byteSize()), src, srcOffset, count);
    }

    @Override
    public synchronized void deviceToHost(long src, Storage dst, int dstOffset, int count) {
        HostArrays.get(buffer(src, (long) count * dst.dtype().byteSize()), dst, dstOffset, count);
    }

    private static ByteBuffer buffer(long address, long bytes) {
        return ALL.asSlice(address, bytes).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    @Override
    public void synchronize(String after) {
        // every operation has completed when it returns
    }

    // ---- kernels ---------------------------------------------------------------------------------------------

    @Override
    public synchronized void launch(KernelSpec spec, LaunchConfig cfg, KernelArgs packed) {
        MemorySegment wrapper = wrappers.computeIfAbsent(spec.name(), n -> library.find("jg_emu_wrap_" + n)
                .orElseThrow(() -> new IllegalStateException("the emulator has no wrapper for kernel " + n)));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(Math.max(packed.size(), 8), 16);
            MemorySegment.copy(packed.bytes, 0, bytes, ValueLayout.JAVA_BYTE, 0, packed.size());
            int n = packed.offsets.length;
            MemorySegment pointers = arena.allocate(ValueLayout.ADDRESS, Math.max(1, n));
            for (int i = 0; i < n; i++) pointers.setAtIndex(ValueLayout.ADDRESS, i, bytes.asSlice(packed.offsets[i]));
            MemorySegment error = arena.allocate(ERROR_BYTES);
            int status = (int) launch.invokeExact(wrapper, pointers, cfg.gridX(), cfg.gridY(), cfg.gridZ(), cfg.blockX(),
                    cfg.blockY(), cfg.blockZ(), cfg.sharedBytes(), reverseThreads ? 1 : 0, error, ERROR_BYTES);
            launches++;
            if (status != 0)
                throw new CudaException("emulated kernel " + spec.name() + " failed: " + error.getString(0));
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("emulated launch of " + spec.name() + " failed", t);
        }
    }

    // ---- GEMM ---------------------------------------------------------------------------------------------------

    /** cuBLAS's definition: C[p] = op(A[p])·op(B[p]) + beta·C[p], column-major; C is not read when beta = 0. */
    @Override
    public synchronized void gemm(GemmPlan g, DType in, DType out, boolean tf32, long a, long b, long c, double beta) {
        int eIn = in.byteSize(), eOut = out.byteSize();
        boolean roundTf32 = tf32 && in == DType.F32;
        for (int p = 0; p < g.batch(); p++) {
            for (int j = 0; j < g.n(); j++) {
                for (int i = 0; i < g.m(); i++) {
                    double sum = 0;
                    for (int l = 0; l < g.k(); l++) {
                        long ai = p * g.strideA() + (g.transA() ? l + (long) i * g.lda() : i + (long) l * g.lda());
                        long bi = p * g.strideB() + (g.transB() ? j + (long) l * g.ldb() : l + (long) j * g.ldb());
                        sum += read(in, a + ai * eIn, roundTf32) * read(in, b + bi * eIn, roundTf32);
                    }
                    long ci = c + (p * g.strideC() + i + (long) j * g.ldc()) * eOut;
                    write(out, ci, beta == 0 ? sum : sum + beta * read(out, ci, false));
                }
            }
        }
    }

    private static double read(DType t, long address, boolean tf32) {
        return switch (t) {
            case F64 -> ALL.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, address);
            case F32 -> {
                float f = ALL.get(ValueLayout.JAVA_FLOAT_UNALIGNED, address);
                yield tf32 ? roundToTf32(f) : f;
            }
            case BF16 -> DType.bf16ToFloat(ALL.get(ValueLayout.JAVA_SHORT_UNALIGNED, address));
            default -> throw new IllegalArgumentException("emulated GEMM of " + t);
        };
    }

    private static void write(DType t, long address, double v) {
        switch (t) {
            case F64 -> ALL.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, address, v);
            case F32 -> ALL.set(ValueLayout.JAVA_FLOAT_UNALIGNED, address, (float) v);
            case BF16 -> ALL.set(ValueLayout.JAVA_SHORT_UNALIGNED, address, DType.floatToBf16((float) v));
            default -> throw new IllegalArgumentException("emulated GEMM into " + t);
        }
    }

    /** A float32 with its mantissa rounded to TF32's 10 bits (to nearest, ties to even). */
    static float roundToTf32(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7f800000) == 0x7f800000) return f;
        bits = (bits + 0xfff + ((bits >>> 13) & 1)) & ~0x1fff;
        return Float.intBitsToFloat(bits);
    }
}
