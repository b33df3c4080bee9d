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
 * / average time) next to the copy bandwidth measured in the same run, and the ratio to the parallel copy.
 *
 * <pre>
 * java --add-modules=jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.jgrad.benchmarks.BandwidthReport [regex]
 * </pre>
 */
public final class BandwidthReport {

    private BandwidthReport() {}

    public static void main(String[] args) throws RunnerException {
        String include = args.length > 0 ? args[0] : FusedKernelBenchmark.class.getSimpleName();
        Options opt = new OptionsBuilder().include(include).build();
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
        Double copy = gbps.get("copyParallel");
        System.out.printf(Locale.ROOT, "%n%-30s %10s %10s %12s%n", "kernel", "ms/call", "GB/s", "% of copy");
        for (Map.Entry<String, Double> e : gbps.entrySet()) {
            String pct = copy == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * e.getValue() / copy);
            System.out.printf(Locale.ROOT, "%-30s %10.3f %10.2f %12s%n", e.getKey(), ms.get(e.getKey()), e.getValue(), pct);
        }
        System.out.printf(Locale.ROOT, "(rows x cols = %d x %d, AdamW over %,d parameters, %d kernel threads)%n",
                FusedKernelBenchmark.ROWS, FusedKernelBenchmark.COLS, FusedKernelBenchmark.PARAMS, FusedKernelBenchmark.threads());
    }
}
