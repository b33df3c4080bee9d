package dev.jgrad.cuda;

/**
 * Mixed precision for matrix products: inside {@code try (var ac = Autocast.bf16()) { ... }} a float32 matrix
 * product on a CUDA device casts both operands to bfloat16 on the fly (temporary copies, released right after)
 * and runs cuBLAS with float32 accumulation, writing a float32 result. Parameters, activations, gradients and
 * optimizer state stay float32 (the master copy); only the GEMM inputs lose precision (8 mantissa bits), which
 * runs the tensor cores at BF16 rate. Results differ from float32 by about 1e-2 relative.
 *
 * <p>Per thread and nestable; it has no effect on CPU tensors. The other opt-in precision trade is TF32
 * ({@link #allowTf32}): float32 operands, tensor cores with 10-bit mantissa products, about 1e-3 relative.
 */
public final class Autocast implements AutoCloseable {

    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private static volatile boolean tf32;
    private boolean closed;

    private Autocast() {
        DEPTH.get()[0]++;
    }

    /** Enters BF16 autocast for matrix products on this thread until {@link #close()}. */
    public static Autocast bf16() {
        return new Autocast();
    }

    /** True inside a {@link #bf16()} scope on this thread. */
    public static boolean bf16Enabled() {
        return DEPTH.get()[0] > 0;
    }

    /** Lets float32 matrix products use TF32 tensor cores (off by default; like torch.backends.cuda.matmul.allow_tf32). */
    public static void allowTf32(boolean allow) {
        tf32 = allow;
    }

    /** Whether float32 matrix products may use TF32. */
    public static boolean tf32Allowed() {
        return tf32;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        DEPTH.get()[0]--;
    }
}
