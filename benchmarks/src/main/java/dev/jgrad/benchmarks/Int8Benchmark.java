package dev.jgrad.benchmarks;

import dev.jgrad.core.Generator;
import dev.jgrad.core.io.gguf.GgufQuantizer;
import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.core.kernels.GgufMatmul;
import dev.jgrad.core.kernels.Int8Matmul;
import dev.jgrad.core.kernels.Packed4bit;
import dev.jgrad.core.kernels.Sgemm;
import dev.jgrad.core.kernels.Sgemv;
import dev.jgrad.core.kernels.VectorInt8Matmul;
import dev.jgrad.core.kernels.VectorSgemm;
import dev.jgrad.core.kernels.VectorSgemm4bit;
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

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The matrix-vector product of one decoding step, {@code y = W·x}, with the same weight stored four ways: Q8_0 and
 * Q4_0 with int8 activations ({@link VectorInt8Matmul}, integer dot products), NF4 ({@link VectorSgemm4bit}, decoded
 * to float in registers) and float32 ({@link VectorSgemv}); and Q8_0 through {@link GgufMatmul} (each row decoded to
 * float, then a float dot product), the path a GGUF file's layers take, to show what the integer kernel gains.
 *
 * <p>Decoding is bound by memory bandwidth: bytes per weight are 4 (F32), ~1.06 (Q8_0), ~0.56 (Q4_0) and ~0.53
 * (NF4). Shapes are LLaMA-7B's attention projection (4096×4096) and its MLP (11008×4096); 1 and 2 threads
 * ({@code -Djgrad.threads} per fork). {@code matmul*} is a 64-token prompt (GEMM) on the same shapes, 2 threads.
 *
 * <p>Sample mode: JMH reports percentiles of single calls; on a shared machine their median ({@code p0.50}) is
 * far steadier than a mean. A quick run: {@code ./jgrad bench Int8Benchmark -p shape=4096x4096 -wi 1 -i 2}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class Int8Benchmark {

    static final Int8Matmul INT8 = new VectorInt8Matmul();
    static final VectorSgemm4bit NF4 = new VectorSgemm4bit();
    static final Sgemv FLOAT_GEMV = new VectorSgemv();
    static final Sgemm FLOAT_GEMM = new VectorSgemm();

    /** One shape's weight in every format, and the operands. */
    @State(Scope.Benchmark)
    public static class Weights {
        @Param({"4096x4096", "11008x4096"})
        public String shape;

        int out, in;
        float[] weight, x, y;
        byte[] q8, q4;
        MemorySegment q8Segment;
        Packed4bit nf4;

        @Setup
        public void setup() {
            String[] dims = shape.split("x");
            out = Integer.parseInt(dims[0]);
            in = Integer.parseInt(dims[1]);
            Generator g = new Generator(42);
            weight = Nf4Benchmark.gaussian(g, out * in, 0.02f);
            x = Nf4Benchmark.gaussian(g, m() * in, 1f);
            y = new float[m() * out];
            q8 = quantize(GgufType.Q8_0);
            q4 = quantize(GgufType.Q4_0);
            q8Segment = MemorySegment.ofArray(q8);
            nf4 = Blockwise4bit.quantize(weight, new long[] {out, in}, QuantType.NF4, 64, true).kernelOperand();
        }

        /** Rows of activations: 1 (a decoding step); {@link Prompt} overrides it. */
        int m() {
            return 1;
        }

        private byte[] quantize(GgufType type) {
            byte[] b = new byte[Math.toIntExact(type.byteSize((long) out * in))];
            GgufQuantizer.quantize(type, weight, 0, out * in, b, 0);
            return b;
        }
    }

    /** A 64-token prompt. */
    @State(Scope.Benchmark)
    public static class Prompt extends Weights {
        @Override
        int m() {
            return 64;
        }
    }

    // ---- matvec, 1 thread

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=1"})
    public float[] matvecQ8_0Threads1(Weights s) {
        INT8.matmul(GgufType.Q8_0, s.q8, s.out, s.in, s.x, 0, 1, s.y, 0);
        return s.y;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=1"})
    public float[] matvecQ4_0Threads1(Weights s) {
        INT8.matmul(GgufType.Q4_0, s.q4, s.out, s.in, s.x, 0, 1, s.y, 0);
        return s.y;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=1"})
    public float[] matvecNf4Threads1(Weights s) {
        NF4.matvec(s.nf4, s.x, 0, s.y, 0);
        return s.y;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=1"})
    public float[] matvecF32Threads1(Weights s) {
        FLOAT_GEMV.gemv(s.out, s.in, s.weight, s.x, s.y);
        return s.y;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=1"})
    public float[] matvecQ8_0DecodedToFloatThreads1(Weights s) {
        GgufMatmul.matmul(GgufType.Q8_0, s.q8Segment, s.out, s.in, s.x, 0, 1, s.y, 0);
        return s.y;
    }

    // ---- matvec, 2 threads

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=2"})
    public float[] matvecQ8_0Threads2(Weights s) {
        INT8.matmul(GgufType.Q8_0, s.q8, s.out, s.in, s.x, 0, 1, s.y, 0);
        return s.y;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=2"})
    public float[] matvecQ4_0Threads2(Weights s) {
        INT8.matmul(GgufType.Q4_0, s.q4, s.out, s.in, s.x, 0, 1, s.y, 0);
        return s.y;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=2"})
    public float[] matvecNf4Threads2(Weights s) {
        NF4.matvec(s.nf4, s.x, 0, s.y, 0);
        return s.y;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=2"})
    public float[] matvecF32Threads2(Weights s) {
        FLOAT_GEMV.gemv(s.out, s.in, s.weight, s.x, s.y);
        return s.y;
    }

    // ---- a 64-token prompt (GEMM), 2 threads

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=2"})
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public float[] matmulQ8_0Threads2(Prompt s) {
        INT8.matmul(GgufType.Q8_0, s.q8, s.out, s.in, s.x, 0, 64, s.y, 0);
        return s.y;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=2"})
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public float[] matmulQ4_0Threads2(Prompt s) {
        INT8.matmul(GgufType.Q4_0, s.q4, s.out, s.in, s.x, 0, 64, s.y, 0);
        return s.y;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djgrad.threads=2"})
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public float[] matmulF32Threads2(Prompt s) {
        // Y (64, out) = X (64, in) · Wᵀ
        FLOAT_GEMM.sgemm(false, true, 64, s.out, s.in, 1f, s.x, 0, s.in, s.weight, 0, s.in, 0f, s.y, 0, s.out);
        return s.y;
    }
}
