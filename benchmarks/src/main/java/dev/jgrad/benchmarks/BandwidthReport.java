package dev.jgrad.benchmarks;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs {@link FusedKernelBenchmark} and prints each kernel's achieved memory bandwidth (bytes it must move
 * / average time) next to the copy bandwidths measured in the same run, and its ratio to the faster copy.
 *
 * <pre>
 * java --add-modules=jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.jgrad.benchmarks.BandwidthReport [--threads N] [regex]
 * </pre>
 * {@code --threads N} sets {@code -Djgrad.threads=N} in the forked JVM (the kernels' thread count; the
 * parallel copy uses the same pool).
 */
public final class BandwidthReport {

    private BandwidthReport() {}

    public static void main(String[] args) throws RunnerException {
        String include = FusedKernelBenchmark.class.getSimpleName();
        String threads = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--threads")) threads = args[++i];
            else include = args[i];
        }
        OptionsBuilder builder = new OptionsBuilder();
        builder.include(include);
        if (threads != null)
            builder.jvmArgsAppend("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx3g",
                    "-XX:+UseParallelGC", "-Djgrad.threads=" + threads);
        Options opt = builder.build();
        Collection<RunResult> results = new Runner(opt).run();
        Map<String, Double> gbps = new TreeMap<>(), ms = new TreeMap<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            String name = label.substring(label.lastIndexOf('.') + 1);
            double millis = r.getPrimaryResult().getScore();
            Long bytes = FusedKernelBenchmark.BYTES.get(name);
            if (bytes == null) continue;
            ms.put(name, millis);
            gbps.put(name, bytes / (millis * 1e-3) / 1e9);
        }
        // The reference is the faster of the two copies measured in this run.
        Double copy = null;
        for (String c : new String[] {"copyParallel", "copySingleThread"})
            if (gbps.containsKey(c) && (copy == null || gbps.get(c) > copy)) copy = gbps.get(c);
        System.out.printf(Locale.ROOT, "%n%-30s %10s %10s %12s%n", "kernel", "ms/call", "GB/s", "% of copy");
        for (Map.Entry<String, Double> e : gbps.entrySet()) {
            String pct = copy == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * e.getValue() / copy);
            System.out.printf(Locale.ROOT, "%-30s %10.3f %10.2f %12s%n", e.getKey(), ms.get(e.getKey()), e.getValue(), pct);
        }
        System.out.printf(Locale.ROOT, "(rows x cols = %d x %d, AdamW over %,d parameters, %d kernel threads)%n",
                FusedKernelBenchmark.ROWS, FusedKernelBenchmark.COLS, FusedKernelBenchmark.PARAMS,
                threads != null ? Integer.parseInt(threads) : FusedKernelBenchmark.threads());
    }
}
