package dev.jgrad.benchmarks;

import dev.jgrad.core.Generator;
import dev.jgrad.core.kernels.Packed4bit;
import dev.jgrad.core.kernels.VectorSgemm;
import dev.jgrad.core.kernels.VectorSgemm4bit;
import dev.jgrad.core.kernels.Sgemm;
import dev.jgrad.core.kernels.Sgemv;
import dev.jgrad.core.kernels.VectorSgemv;
import dev.jgrad.quant.Blockwise4bit;
import dev.jgrad.quant.QuantType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * NF4 (block 64, double-quantized, as QLoRA stores weights) against float32, on the same weights.
 *
 * <p><b>matvec</b> ({@code y = W·x}, one token of decoding) is bound by memory bandwidth: float32 reads 4 bytes
 * per weight, NF4 about 0.53 (nibble + 8-bit absmax per 64), so NF4 should be several times faster if its
 * decoding keeps up. Measured on 1 and 2 threads ({@code -Djgrad.threads} per fork).
 *
 * <p><b>matmul</b> ({@code Y = X·Wᵀ}, a 256-token prompt or training batch) is bound by arithmetic; NF4 pays a
 * decode per weight, amortized over the 256 rows. The float32 side uses {@link #FLOAT_GEMM}.
 *
 * <p>Sample mode: every call is timed, and JMH reports percentiles. On a shared machine the median
 * ({@code p0.50}) and minimum ({@code p0.00}) of single calls are far steadier than a mean over time slices
 * in which other processes ran.
 *
 * <p>Run: {@code ./jgrad bench Nf4Benchmark} (or {@code java -jar benchmarks/target/benchmarks.jar Nf4Benchmark}).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class Nf4Benchmark {

    /** The float32 GEMM to race: jgrad's Vector API SGEMM. */
    static final Sgemm FLOAT_GEMM = new VectorSgemm();

    static final VectorSgemm4bit NF4 = new VectorSgemm4bit();
    static final Sgemv FLOAT_GEMV = new VectorSgemv();

    @State(Scope.Benchmark)
    public static class Matvec {
        @Param({"4096x4096", "11008x4096"})
        public String shape;

        int out, in;
        float[] weight, x, y;
        Packed4bit nf4;

        @Setup
        public void setup() {
            String[] dims = shape.split("x");
            out = Integer.parseInt(dims[0]);
            in = Integer.parseInt(dims[1]);
            Generator g = new Generator(42);
            weight = gaussian(g, out * in, 0.02f);
            x = gaussian(g, in, 1f);
            y = new float[out];
            nf4 = Blockwise4bit.quantize(weight, new long[] {out, in}, QuantType.NF4, 64, true).kernelOperand();
        }
    }

    @State(Scope.Benchmark)
    public static class Matmul {
        @Param({"256"})
        public int m;
        @Param({"4096x4096"})
        public String shape;

        int out, in;
        float[] weight, x, y, gy, gx;
        Packed4bit nf4;

        @Setup
        public void setup() {
            String[] dims = shape.split("x");
            out = Integer.parseInt(dims[0]);
            in = Integer.parseInt(dims[1]);
            Generator g = new Generator(43);
            weight = gaussian(g, out * in, 0.02f);
            x = gaussian(g, m * in, 1f);
            y = new float[m * out];
            gy = gaussian(g, m * out, 1f);
            gx = new float[m * in];
            nf4 = Blockwise4bit.quantize(weight, new long[] {out, in}, QuantType.NF4, 64, true).kernelOperand();
        }
    }

    // ---- matvec, 1 thread

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=1"})
    public float[] matvecNf4Threads1(Matvec s) {
        NF4.matvec(s.nf4, s.x, 0, s.y, 0);
        return s.y;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=1"})
    public float[] matvecF32Threads1(Matvec s) {
        FLOAT_GEMV.gemv(s.out, s.in, s.weight, s.x, s.y);
        return s.y;
    }

    // ---- matvec, 2 threads

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=2"})
    public float[] matvecNf4Threads2(Matvec s) {
        NF4.matvec(s.nf4, s.x, 0, s.y, 0);
        return s.y;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=2"})
    public float[] matvecF32Threads2(Matvec s) {
        FLOAT_GEMV.gemv(s.out, s.in, s.weight, s.x, s.y);
        return s.y;
    }

    // ---- matmul (prompt / training forward) and the input gradient (training backward), 2 threads

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=2"})
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 3, time = 2)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public float[] matmulNf4Threads2(Matmul s) {
        NF4.matmul(s.nf4, s.m, s.x, 0, s.y, 0);
        return s.y;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=2"})
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 3, time = 2)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public float[] inputGradientNf4Threads2(Matmul s) {
        NF4.inputGradient(s.nf4, s.m, s.gy, 0, s.gx, 0);
        return s.gx;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=2"})
    @Warmup(iterations = 1, time = 2)
    @Measurement(iterations = 3, time = 2)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public float[] matmulF32Threads2(Matmul s) {
        // Y (m, out) = X (m, in) · Wᵀ
        FLOAT_GEMM.sgemm(false, true, s.m, s.out, s.in, 1f, s.x, 0, s.in, s.weight, 0, s.in, 0f, s.y, 0, s.out);
        return s.y;
    }

    static float[] gaussian(Generator g, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) g.nextGaussian() * scale;
        return v;
    }
}
