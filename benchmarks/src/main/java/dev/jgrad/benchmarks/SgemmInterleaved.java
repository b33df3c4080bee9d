package dev.jgrad.benchmarks;

import dev.jgrad.core.kernels.VectorSgemm;
import dev.jgrad.core.parallel.Parallel;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The jgrad/OpenBLAS ratio measured by alternation in one process: rounds of jgrad multiplies and
 * rounds of OpenBLAS multiplies take turns, so both see the same background load. A companion to
 * {@link SgemmBenchmark} (JMH, separate forks per library) for a machine shared with other work,
 * where load changes between forks and skews the JMH ratio.
 *
 * <p>Usage (threads for both libraries come from {@code -Djgrad.threads}):
 * <pre>
 * env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE java --add-modules=jdk.incubator.vector -Djgrad.threads=1 \
 *     -cp benchmarks/target/benchmarks.jar dev.jgrad.benchmarks.SgemmInterleaved [rounds] [shape ...]
 * </pre>
 * Shapes are {@code N} or {@code MxKxN} as in SgemmBenchmark (default: the same seven). Each round
 * runs about 0.4 GFLOP (at least one multiply); the table reports median and best GFLOPS over the rounds.
 *
 * <p>Both libraries keep their worker threads spinning for a while after a call (OpenBLAS for up to 2^28 cycles,
 * jgrad's team for about 2 ms) so that the next call starts at once. On a 2-core machine the idle library's
 * spinning threads would steal a core from the one being timed, so each round first pauses for
 * {@value #SETTLE_MS} ms (the other library's threads go to sleep) and makes one untimed call (its own wake up).
 * Even so, a short round right after an idle pause runs below steady speed on this virtual machine (the idle
 * core takes ~20 ms to come back to full speed), which penalises the smaller 2-thread products most: for 2
 * threads, {@link SgemmBenchmark} (one JMH fork per library, steady state) is the reference measurement.
 */
public final class SgemmInterleaved {

    /** Pause before each timed round, longer than either library's spin-wait after a call. */
    static final int SETTLE_MS = 250;

    private SgemmInterleaved() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        List<String> shapes = args.length > 1 ? Arrays.asList(args).subList(1, args.length)
                : List.of("256", "512", "1024", "2048", "4096", "768x128x512", "768x512x128");
        int threads = Parallel.threads();
        openblas.blas_set_num_threads(threads);
        System.out.printf(Locale.ROOT, "%-12s | %7s | %-21s | %-21s | %s%n", "shape", "threads",
                "jgrad median (best)", "OpenBLAS median (best)", "ratio of medians");
        for (String shape : shapes) {
            int[] mkn = SgemmBenchmark.parseShape(shape);
            double[][] g = measure(mkn[0], mkn[1], mkn[2], rounds);
            double jm = median(g[0]), om = median(g[1]);
            System.out.printf(Locale.ROOT, "%-12s | %7d | %8.1f (%8.1f)     | %8.1f (%8.1f)     | %.2f%n",
                    shape, threads, jm, max(g[0]), om, max(g[1]), jm / om);
        }
    }

    /** GFLOPS per round: {@code [0]} jgrad, {@code [1]} OpenBLAS, in alternating rounds. */
    static double[][] measure(int m, int k, int n, int rounds) {
        SplittableRandom rnd = new SplittableRandom(42);
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextDouble(-1, 1);
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextDouble(-1, 1);
        VectorSgemm jgrad = new VectorSgemm();
        double flop = 2.0 * m * n * k;
        int reps = (int) Math.max(1, 4e8 / flop);
        List<Runnable> runs = new ArrayList<>();
        runs.add(() -> jgrad.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n));
        try (FloatPointer na = new FloatPointer(a); FloatPointer nb = new FloatPointer(b);
             FloatPointer nc = new FloatPointer(c)) {
            runs.add(() -> openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans,
                    openblas.CblasNoTrans, m, n, k, 1f, na, k, nb, n, 0f, nc, n));
            double[][] gflops = new double[2][rounds];
            for (int round = -3; round < rounds; round++) {        // 3 warm-up rounds
                for (int lib = 0; lib < 2; lib++) {
                    settle();
                    runs.get(lib).run();                              // wakes this library's threads
                    long t0 = System.nanoTime();
                    for (int i = 0; i < reps; i++) runs.get(lib).run();
                    long t1 = System.nanoTime();
                    if (round >= 0) gflops[lib][round] = flop * reps / (t1 - t0);
                }
            }
            return gflops;
        }
    }

    private static void settle() {
        try {
            Thread.sleep(SETTLE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        int h = s.length / 2;
        return s.length % 2 == 1 ? s[h] : (s[h - 1] + s[h]) / 2;
    }

    private static double max(double[] x) {
        return Arrays.stream(x).max().orElse(Double.NaN);
    }
}
