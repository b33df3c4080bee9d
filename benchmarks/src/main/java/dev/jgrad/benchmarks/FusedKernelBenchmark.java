package dev.jgrad.benchmarks;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.AdamConfig;
import dev.jgrad.core.backend.Backend;
import dev.jgrad.core.backend.Backends;
import dev.jgrad.core.parallel.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The fused kernels of the nn/optim work, called on the CPU backend (Vector API) at sizes far above the
 * caches, next to plain memory copies measured in the same run. Memory-bound kernels are judged by the
 * bytes they must move per call ({@link #BYTES}), reported as GB/s by {@link BandwidthReport}.
 *
 * <p>Rows × cols = 8192 × 768 (a GPT-2-small activation of 8 sequences of 1024 tokens: 25 MB per float
 * tensor); the AdamW update runs over 25M parameters (100 MB per buffer).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx3g",
        "-XX:+UseParallelGC"})
public class FusedKernelBenchmark {

    public static final int ROWS = 8192, COLS = 768, PARAMS = 25_000_000;
    static final long N = (long) ROWS * COLS;

    /**
     * Bytes each benchmark must move through memory per call (reads + writes of the big tensors; the
     * per-row statistics and per-feature weights are under 0.2% and left out).
     */
    public static final java.util.Map<String, Long> BYTES = java.util.Map.of(
            "copyParallel", 8L * PARAMS,
            "copySingleThread", 8L * PARAMS,
            "layerNormForwardBackward", 20L * N,   // fwd: read x, write y; bwd: read gy, x, write dx
            "rmsNormForwardBackward", 20L * N,
            "softmaxForward", 8L * N,              // read x, write y
            "crossEntropyForwardBackward", 12L * N, // fwd: read logits; bwd: read logits, write dlogits
            "adamwUpdate", 28L * PARAMS);          // read p, g, m, v; write p, m, v

    Backend backend;
    Tensor x, gy, w, b, y, mean, rstd, dx, dw, db, dlogits, loss, lse, targets, rowGrad;
    Tensor p, g, m, v, copySrc, copyDst;
    float[] srcArray, dstArray;
    AdamConfig adamw;
    long step;

    @Setup(Level.Trial)
    public void setup() {
        backend = Backends.cpu();
        Generator gen = new Generator(1);
        x = Tensor.randn(gen, ROWS, COLS);
        gy = Tensor.randn(gen, ROWS, COLS);
        w = Tensor.randn(gen, COLS);
        b = Tensor.randn(gen, COLS);
        y = Tensor.zeros(ROWS, COLS);
        dx = Tensor.zeros(ROWS, COLS);
        dlogits = Tensor.zeros(ROWS, COLS);
        mean = Tensor.zeros(ROWS);
        rstd = Tensor.zeros(ROWS);
        loss = Tensor.zeros(ROWS);
        lse = Tensor.zeros(ROWS);
        rowGrad = Tensor.full(1.0 / ROWS, ROWS);
        dw = Tensor.zeros(COLS);
        db = Tensor.zeros(COLS);
        long[] t = new long[ROWS];
        for (int i = 0; i < ROWS; i++) t[i] = gen.nextInt(COLS);
        targets = Tensor.of(t);
        p = Tensor.randn(gen, PARAMS);
        g = Tensor.randn(gen, PARAMS);
        m = Tensor.zeros(PARAMS);
        v = Tensor.zeros(PARAMS);
        copySrc = p;
        copyDst = Tensor.zeros(PARAMS);
        srcArray = new float[PARAMS];
        dstArray = new float[PARAMS];
        adamw = new AdamConfig(6e-4, 0.9, 0.95, 1e-8, 0.1, true, false);
        step = 0;
    }

    /** A parallel copy of 25M floats (the backend's strided copy, chunked on the shared pool). */
    @Benchmark
    public Tensor copyParallel() {
        backend.copy(copySrc, copyDst);
        return copyDst;
    }

    /** System.arraycopy of 25M floats on one thread. */
    @Benchmark
    public float[] copySingleThread() {
        System.arraycopy(srcArray, 0, dstArray, 0, PARAMS);
        return dstArray;
    }

    @Benchmark
    public Tensor layerNormForwardBackward() {
        backend.layerNorm(x, w, b, 1e-5, y, mean, rstd);
        backend.layerNormBackward(gy, x, w, mean, rstd, dx, dw, db);
        return dx;
    }

    @Benchmark
    public Tensor rmsNormForwardBackward() {
        backend.rmsNorm(x, w, 1e-6, y, rstd);
        backend.rmsNormBackward(gy, x, w, rstd, dx, dw);
        return dx;
    }

    @Benchmark
    public Tensor softmaxForward() {
        backend.softmax(x, y, false);
        return y;
    }

    @Benchmark
    public Tensor crossEntropyForwardBackward() {
        backend.crossEntropy(x, targets, -100, 0.1, loss, lse);
        backend.crossEntropyBackward(x, targets, lse, rowGrad, -100, 0.1, dlogits);
        return dlogits;
    }

    @Benchmark
    public Tensor adamwUpdate() {
        backend.adamUpdate(p, g, m, v, null, adamw, ++step);
        return p;
    }

    /** The thread count kernels use (for the report). */
    public static int threads() {
        return Parallel.threads();
    }
}
