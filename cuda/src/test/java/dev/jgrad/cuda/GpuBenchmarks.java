package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.AttentionParams;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * GPU throughput of jgrad-cuda, printed as a table (run by {@code cuda/gpu-check.sh --run}; JMH does not apply to
 * asynchronous GPU work, so this times whole batches of launches between two stream synchronizations and reports
 * the best of 5 repetitions).
 *
 * <ul>
 *   <li>GEMM: {@code Tensor.matmul} (output allocation, autograd bookkeeping, one cuBLAS call; with BF16
 *       autocast also the two casts) against the bare cuBLAS call on preallocated buffers
 *       ({@code backend.matmul}, BF16 operands cast beforehand), the cuBLAS peak for that shape;</li>
 *   <li>flash attention forward + backward TFLOP/s (causal FLOPs counted as half; backward as 2.5× forward, the
 *       FlashAttention-2 convention);</li>
 *   <li>NF4 matvec GB/s (bytes of packed weight, absmax, input and output read or written once) against the
 *       device-to-device copy bandwidth (read + write).</li>
 * </ul>
 */
public final class GpuBenchmarks {

    private static final Device GPU = Device.cuda(0);
    private static final List<String[]> ROWS = new ArrayList<>();

    private GpuBenchmarks() {}

    public static void main(String[] args) {
        if (!CudaBackend.isAvailable()) {
            System.out.println(CudaBackend.unavailableReason());
            System.exit(2);
        }
        CudaBackend backend = CudaBackend.forDevice(GPU);
        System.out.println("device: " + backend + ", " + backend.context().multiprocessors + " SMs");
        gemm(backend, 4096);
        gemm(backend, 8192);
        attention(64);
        attention(128);
        nf4(backend);
        print();
    }

    /** Seconds per call of {@code body}, the best of 5 batches of {@code reps} calls each. */
    private static double time(CudaBackend b, int reps, Runnable body) {
        body.run();
        b.synchronize();
        double best = Double.MAX_VALUE;
        for (int trial = 0; trial < 5; trial++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) body.run();
            b.synchronize();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9 / reps);
        }
        return best;
    }

    private static void gemm(CudaBackend b, int n) {
        Generator g = new Generator(1);
        Tensor a = Tensor.randn(g, n, n).to(GPU), w = Tensor.randn(g, n, n).to(GPU);
        Tensor out = Tensor.empty(DType.F32, GPU, 1, n, n);
        Tensor a3 = a.reshape(1, n, n), w3 = w.reshape(1, n, n);
        Tensor a16 = a3.to(DType.BF16), w16 = w3.to(DType.BF16); // the cuBLAS reference for BF16: operands cast once
        double flops = 2.0 * n * n * n;
        for (String mode : new String[] {"float32", "TF32", "BF16 autocast"}) {
            Autocast.allowTf32(mode.equals("TF32"));
            Autocast ac = mode.startsWith("BF16") ? Autocast.bf16() : null;
            try {
                boolean bf16 = ac != null;
                double peak = time(b, 5, () -> b.matmul(bf16 ? a16 : a3, bf16 ? w16 : w3, out, 0f));
                double api = time(b, 5, () -> {
                    try (CudaMemory.Scope s = CudaMemory.scope()) {
                        a.matmul(w);
                    }
                });
                row("GEMM " + mode + " " + n + "³", tflops(flops / api) + " TFLOP/s",
                        "cuBLAS call alone " + tflops(flops / peak) + " TFLOP/s (" + pct(peak / api) + ")");
            } finally {
                if (ac != null) ac.close();
                Autocast.allowTf32(false);
            }
        }
    }

    private static void attention(int d) {
        int batch = 4, heads = 16, t = 2048;
        Generator g = new Generator(2);
        Tensor q = Tensor.randn(g, batch, heads, t, d).to(GPU), k = Tensor.randn(g, batch, heads, t, d).to(GPU);
        Tensor v = Tensor.randn(g, batch, heads, t, d).to(GPU), dOut = Tensor.randn(g, batch, heads, t, d).to(GPU);
        Tensor out = Tensor.empty(DType.F32, GPU, batch, heads, t, d), lse = Tensor.empty(DType.F32, GPU, batch, heads, t);
        Tensor dq = Tensor.empty(DType.F32, GPU, q.shape()), dk = Tensor.empty(DType.F32, GPU, q.shape());
        Tensor dv = Tensor.empty(DType.F32, GPU, q.shape());
        AttentionParams p = new AttentionParams(1 / Math.sqrt(d), true, 0, 0);
        CudaBackend b = CudaBackend.forDevice(GPU);
        double fwd = time(b, 3, () -> b.attentionForward(q, k, v, null, p, out, lse));
        double bwd = time(b, 3, () -> b.attentionBackward(q, k, v, null, p, out, lse, dOut, dq, dk, dv));
        double f = AttentionShape.of(q, k, v).forwardFlops(true);
        row("attention fwd+bwd B4 H16 T2048 D" + d + " causal", tflops(3.5 * f / (fwd + bwd)) + " TFLOP/s",
                "forward " + tflops(f / fwd) + ", backward " + tflops(2.5 * f / bwd) + " TFLOP/s");
    }

    private static void nf4(CudaBackend b) {
        int rows = 8192, cols = 8192, n = rows * cols, bs = 64;
        byte[] packed = new byte[n / 2];
        for (int i = 0; i < packed.length; i++) packed[i] = (byte) (i * 2654435761L >>> 11);
        float[] absmax = new float[n / bs];
        java.util.Arrays.fill(absmax, 0.5f);
        float[] code = new float[16];
        for (int i = 0; i < 16; i++) code[i] = (i - 7.5f) / 7.5f;
        Tensor pk = new Tensor(new Storage.ByteStorage(DType.U8, packed), packed.length).to(GPU);
        Tensor am = Tensor.of(absmax).to(GPU), x = Tensor.ones(cols).to(GPU), y = Tensor.empty(DType.F32, GPU, rows);
        CudaKernels kern = CudaKernels.on(GPU);
        double s = time(b, 20, () -> kern.matvec4bit(pk, am, code, bs, rows, cols, x, y));
        double bytes = packed.length + 4.0 * absmax.length + 4.0 * cols + 4.0 * rows;
        Tensor big = Tensor.empty(DType.F32, GPU, 1 << 28), big2 = Tensor.empty(DType.F32, GPU, 1 << 28);
        CudaContext ctx = b.context();
        double copy = time(b, 5, () -> ctx.copyDeviceToDevice(ctx.address(big2), ctx.address(big), 4L << 28));
        double copyGBs = 2.0 * (4L << 28) / copy / 1e9;
        double gbs = bytes / s / 1e9;
        row("NF4 matvec 8192×8192", String.format(Locale.ROOT, "%.0f GB/s", gbs),
                String.format(Locale.ROOT, "copy bandwidth %.0f GB/s (%s)", copyGBs, pct(gbs / copyGBs)));
    }

    private static String tflops(double flopsPerSecond) {
        return String.format(Locale.ROOT, "%.1f", flopsPerSecond / 1e12);
    }

    private static String pct(double ratio) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * ratio);
    }

    private static void row(String what, String value, String reference) {
        ROWS.add(new String[] {what, value, reference});
        System.out.println(what + ": " + value + "  [" + reference + "]");
    }

    private static void print() {
        System.out.println();
        System.out.printf(Locale.ROOT, "| %-40s | %-16s | %-56s |%n", "benchmark", "jgrad", "reference");
        System.out.printf(Locale.ROOT, "|%s|%s|%s|%n", "-".repeat(42), "-".repeat(18), "-".repeat(58));
        for (String[] r : ROWS) System.out.printf(Locale.ROOT, "| %-40s | %-16s | %-56s |%n", r[0], r[1], r[2]);
    }
}
