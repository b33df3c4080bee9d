package dev.jgrad.examples.course;

import dev.jgrad.core.Generator;
import dev.jgrad.core.kernels.VectorSgemm;
import jdk.incubator.vector.FloatVector;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Chapter 9, performance: the roofline of the machine it runs on (copy bandwidth and SGEMM GFLOPS, measured in a
 * few seconds; these lines vary and the chapter does not quote them), arithmetic intensity of matvec and GEMM
 * (computed, quoted), a naive and a cache-tiled matmul that agree exactly, the project's {@link VectorSgemm}
 * against them, and a JMH result line read apart.
 */
public final class Chapter09 {

    private Chapter09() {}

    /** A line as JMH prints it for the project's SGEMM benchmark (throughput mode, 5 measurement iterations). */
    static final String JMH_SAMPLE = "SgemmBenchmark.vector     512  thrpt    5  331.508 ± 6.214  ops/s";

    /** The chapter's title, as {@code ./jgrad learn list} shows it. */
    public static String title() {
        return "Performance: the roofline, SGEMM tiling and packing, the Vector API, reading a JMH result";
    }

    /** Prints the chapter's numbers to {@code out} and writes its figures into {@code outDir}. */
    public static void run(PrintStream out, Path outDir) throws Exception {
        out.println("== arithmetic intensity (fp32, each operand moved once) ==");
        for (int n : new int[]{512, 4096}) {
            out.println(fmt("matvec %4d x %-4d : %.2f FLOP/byte", n, n, intensity(n, 1, n)));
            out.println(fmt("GEMM   %4d^3      : %.2f FLOP/byte", n, intensity(n, n, n)));
        }
        out.println(fmt("vector add (1 FLOP, 12 bytes per element): %.3f FLOP/byte", 1.0 / 12));

        out.println("== this machine (varies; not quoted) ==");
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        double bandwidth = copyBandwidthGBs(), gflops = sgemmGflops(384);
        out.println("measured: float lanes per vector " + lanes + " (" + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit)");
        out.println(fmt("measured: copy bandwidth %.1f GB/s (read + write)", bandwidth));
        out.println(fmt("measured: VectorSgemm 384^3 %.1f GFLOPS on %d threads", gflops, Runtime.getRuntime().availableProcessors()));
        out.println(fmt("measured: ridge point %.1f FLOP/byte: below it a kernel is memory-bound", gflops / bandwidth));
        out.println(fmt("measured: a 4096 matvec can reach at most %.1f GFLOPS here", Math.min(gflops, bandwidth * intensity(4096, 1, 4096))));

        out.println("== naive, tiled and VectorSgemm on 150x130 * 130x170 ==");
        int m = 150, k = 130, n = 170;
        Generator gen = new Generator(9);
        float[] a = random(gen, m * k), b = random(gen, k * n);
        float[] naive = new float[m * n], tiled = new float[m * n], fast = new float[m * n];
        naive(a, b, naive, m, n, k);
        tiled(a, b, tiled, m, n, k, 32);
        new VectorSgemm().sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, fast, 0, n);
        out.println(fmt("max |naive - tiled| = %.1e", maxDiff(naive, tiled)));
        double vd = maxDiff(naive, fast);
        out.println("VectorSgemm agrees with naive to 1e-4: " + (vd < 1e-4));
        out.println(fmt("measured: max |naive - VectorSgemm| = %.2e (FMA and the k order differ by CPU)", vd));

        out.println("== reading a JMH line ==");
        out.println("sample: " + JMH_SAMPLE);
        String[] f = JMH_SAMPLE.trim().split("\\s+");
        int size = Integer.parseInt(f[1]);
        double score = Double.parseDouble(f[4]), error = Double.parseDouble(f[6]);
        double flopsPerOp = 2.0 * size * size * size;
        out.println(fmt("%d measurement iterations, score %.3f ops/s, 99.9%% half-width %.3f (%.1f%% of the score)",
                Integer.parseInt(f[3]), score, error, 100 * error / score));
        out.println(fmt("one op = 2*%d^3 = %.0f FLOP -> %.2f GFLOPS, between %.2f and %.2f", size, flopsPerOp,
                score * flopsPerOp / 1e9, (score - error) * flopsPerOp / 1e9, (score + error) * flopsPerOp / 1e9));
        out.println(fmt("time per op %.2f ms", 1000 / score));
    }

    /** FLOP per byte of {@code C (m×n) = A (m×k) · B (k×n)} in fp32 when A and B are read and C written once. */
    static double intensity(long m, long n, long k) {
        return 2.0 * m * n * k / (4.0 * (m * k + k * n + m * n));
    }

    /** The textbook triple loop, {@code i, p, j} order so the inner loop walks rows of B and C. */
    static void naive(float[] a, float[] b, float[] c, int m, int n, int k) {
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++) {
                float aip = a[i * k + p];
                for (int j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
            }
    }

    /**
     * The same sums, computed tile by tile: a {@code t×t} block of C is finished against one {@code t}-wide strip
     * of k before the next, so the blocks of A, B and C in use stay in cache. Each C element still adds its
     * products in increasing p, so the result equals {@link #naive} bit for bit.
     */
    static void tiled(float[] a, float[] b, float[] c, int m, int n, int k, int t) {
        for (int p0 = 0; p0 < k; p0 += t)
            for (int i0 = 0; i0 < m; i0 += t)
                for (int j0 = 0; j0 < n; j0 += t)
                    for (int i = i0; i < Math.min(i0 + t, m); i++)
                        for (int p = p0; p < Math.min(p0 + t, k); p++) {
                            float aip = a[i * k + p];
                            for (int j = j0; j < Math.min(j0 + t, n); j++) c[i * n + j] += aip * b[p * n + j];
                        }
    }

    /** GB/s of {@link System#arraycopy} on 32 MiB arrays (bytes read + bytes written), best of 5. */
    static double copyBandwidthGBs() {
        float[] src = new float[8 << 20], dst = new float[8 << 20];
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 6; r++) {
            long t0 = System.nanoTime();
            System.arraycopy(src, 0, dst, 0, src.length);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return 2.0 * 4 * src.length / best / 1e9;
    }

    /** GFLOPS of {@link VectorSgemm} on an {@code n³} product, best of a few runs after warm-up. */
    static double sgemmGflops(int n) {
        Generator gen = new Generator(1);
        float[] a = random(gen, n * n), b = random(gen, n * n), c = new float[n * n];
        VectorSgemm sgemm = new VectorSgemm();
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 12; r++) {
            long t0 = System.nanoTime();
            sgemm.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return 2.0 * n * n * n / best / 1e9;
    }

    private static float[] random(Generator gen, int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = (float) gen.nextGaussian();
        return v;
    }

    private static double maxDiff(float[] x, float[] y) {
        double d = 0;
        for (int i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
        return d;
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
