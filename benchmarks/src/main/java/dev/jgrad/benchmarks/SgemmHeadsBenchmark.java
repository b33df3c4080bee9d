package dev.jgrad.benchmarks;

import dev.jgrad.core.kernels.VectorSgemm;
import dev.jgrad.core.parallel.Parallel;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Many small products, as in attention: 48 heads (batch 4 × 12 heads) of T = 64 tokens, head size 32.
 * {@code scores}: {@code Q·Kᵀ}, (64, 32)·(64, 32)ᵀ → (64, 64) per head (B transposed);
 * {@code values}: {@code P·V}, (64, 64)·(64, 32) → (64, 32) per head.
 *
 * <p>jgrad runs one {@code sgemmBatched} call (the heads spread over the threads); OpenBLAS runs one
 * {@code cblas_sgemm} per head on native buffers, with its own threads set to the same count.
 * Scores are microseconds for all 48 products: 2·48·64·64·32 = 12.6 MFLOP for either product.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 6, time = 1)
public class SgemmHeadsBenchmark {

    private static final String VECTOR = "--add-modules=jdk.incubator.vector";
    private static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    static final int HEADS = 48, T = 64, HS = 32;

    @Param({"scores", "values"})
    public String product;

    private int m, n, k;
    private boolean transB;
    private float[] a, b, c;
    private FloatPointer nativeA, nativeB, nativeC;
    private final VectorSgemm jgrad = new VectorSgemm();

    @Setup(Level.Trial)
    public void setUp() {
        boolean scores = product.equals("scores");
        m = T;
        n = scores ? T : HS;
        k = scores ? HS : T;
        transB = scores;
        SplittableRandom rnd = new SplittableRandom(7);
        a = new float[HEADS * m * k];
        b = new float[HEADS * k * n];
        c = new float[HEADS * m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextDouble(-1, 1);
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextDouble(-1, 1);
        nativeA = new FloatPointer(a);
        nativeB = new FloatPointer(b);
        nativeC = new FloatPointer(c);
        openblas.blas_set_num_threads(Parallel.threads());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        nativeA.close();
        nativeB.close();
        nativeC.close();
    }

    private float[] runJgrad() {
        jgrad.sgemmBatched(HEADS, false, transB, m, n, k, 1f, a, 0, k, (long) m * k,
                b, 0, transB ? k : n, (long) k * n, 0f, c, 0, n, (long) m * n);
        return c;
    }

    private FloatPointer runOpenBlas() {
        for (int h = 0; h < HEADS; h++) {
            nativeA.position((long) h * m * k);
            nativeB.position((long) h * k * n);
            nativeC.position((long) h * m * n);
            openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans,
                    transB ? openblas.CblasTrans : openblas.CblasNoTrans, m, n, k,
                    1f, nativeA, k, nativeB, transB ? k : n, 0f, nativeC, n);
        }
        nativeA.position(0);
        nativeB.position(0);
        nativeC.position(0);
        return nativeC;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {VECTOR, NATIVE, "-Djgrad.threads=1"})
    public float[] jgrad_t1() {
        return runJgrad();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {VECTOR, NATIVE, "-Djgrad.threads=2"})
    public float[] jgrad_t2() {
        return runJgrad();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {VECTOR, NATIVE, "-Djgrad.threads=1"})
    public FloatPointer openblas_t1() {
        return runOpenBlas();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {VECTOR, NATIVE, "-Djgrad.threads=2"})
    public FloatPointer openblas_t2() {
        return runOpenBlas();
    }
}
