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
 * jgrad's {@link VectorSgemm} against OpenBLAS {@code cblas_sgemm}, row-major
 * {@code C = A·op(B)} with {@code A (m, k)}, {@code B (k, n)} (or {@code (n, k)} with {@code transB}).
 *
 * <p>{@code shape} is a side length {@code N} (N×N·N×N) or {@code MxKxN} (an M×K times K×N product:
 * {@code 768x128x512} is the attention-size projection, {@code 768x512x128} its transpose-shaped
 * partner). Each benchmark method forks its own JVM with {@code -Djgrad.threads=T}; the OpenBLAS
 * methods set OpenBLAS to the same T. OpenBLAS gets native buffers ({@link FloatPointer}), its best
 * case: JavaCPP would copy Java arrays on every call.
 *
 * <p>Scores are microseconds per multiply; {@link SgemmRatio} turns a JSON result into GFLOPS
 * ({@code 2·m·n·k / time}) and the jgrad/OpenBLAS ratio. Run it through
 * {@code benchmarks/sgemm-vs-openblas.sh}, which also unsets the OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
 * overrides that would slow OpenBLAS down.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 6, time = 1)
public class SgemmBenchmark {

    private static final String VECTOR = "--add-modules=jdk.incubator.vector";
    private static final String NATIVE = "--enable-native-access=ALL-UNNAMED";

    @Param({"256", "512", "1024", "2048", "4096", "768x128x512", "768x512x128"})
    public String shape;

    @Param({"false"})
    public boolean transB;

    private int m, n, k;
    private float[] a, b, c;
    private FloatPointer nativeA, nativeB, nativeC;
    private final VectorSgemm jgrad = new VectorSgemm();

    /** (m, k, n) of a shape parameter: {@code N} or {@code MxKxN}. */
    static int[] parseShape(String shape) {
        String[] parts = shape.split("x");
        if (parts.length == 1) {
            int s = Integer.parseInt(parts[0]);
            return new int[] {s, s, s};
        }
        if (parts.length != 3) throw new IllegalArgumentException("shape must be N or MxKxN: " + shape);
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
    }

    @Setup(Level.Trial)
    public void setUp() {
        int[] mkn = parseShape(shape);
        m = mkn[0];
        k = mkn[1];
        n = mkn[2];
        SplittableRandom rnd = new SplittableRandom(42);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
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
        jgrad.sgemm(false, transB, m, n, k, 1f, a, 0, k, b, 0, transB ? k : n, 0f, c, 0, n);
        return c;
    }

    private FloatPointer runOpenBlas() {
        openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans,
                transB ? openblas.CblasTrans : openblas.CblasNoTrans, m, n, k,
                1f, nativeA, k, nativeB, transB ? k : n, 0f, nativeC, n);
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
