package dev.jgrad.benchmarks;

import dev.jgrad.transformer.LlamaConfig;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs {@link TransformerBenchmark} (and, with {@code --train}, {@link GptTrainStepBenchmark}) and prints, from the
 * <b>median</b> iteration of each (the machine may be shared):
 * <ul>
 *   <li>decode tokens/s next to the memory bound: copy bandwidth (bytes read + written per second, the faster of
 *       the two copies) ÷ bytes read per token;</li>
 *   <li>prompt tokens/s and GFLOPS next to the SGEMM GFLOPS of the same run.</li>
 * </ul>
 * <pre>
 * java --add-modules=jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.jgrad.benchmarks.TransformerReport [--threads N] [--models 15M,42M,110M] [--train]
 * </pre>
 */
public final class TransformerReport {

    private TransformerReport() {}

    public static void main(String[] args) throws RunnerException {
        String threads = null, models = null;
        boolean train = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = args[++i];
                case "--models" -> models = args[++i];
                case "--train" -> train = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        OptionsBuilder builder = new OptionsBuilder();
        builder.include(TransformerBenchmark.class.getSimpleName());
        if (train) builder.include(GptTrainStepBenchmark.class.getSimpleName());
        if (models != null) builder.param("model", models.split(","));
        // Replaces the annotation's jvmArgsAppend, so repeat it.
        List<String> jvm = new ArrayList<>(List.of("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Xmx8g", "-XX:+UseParallelGC"));
        if (threads != null) jvm.add("-Djgrad.threads=" + threads);
        builder.jvmArgsAppend(jvm.toArray(new String[0]));
        Collection<RunResult> results = new Runner(builder.build()).run();

        Map<String, Map<String, Double>> ms = new TreeMap<>();   // model → benchmark → median ms/op
        Double trainMs = null;
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            String name = label.substring(label.lastIndexOf('.') + 1);
            double median = median(r);
            if (name.equals("trainStep")) {
                trainMs = median;
                continue;
            }
            ms.computeIfAbsent(r.getParams().getParam("model"), k -> new TreeMap<>()).put(name, median);
        }
        System.out.printf(Locale.ROOT, "%nthreads: %s (median of the measured iterations)%n", threads == null ? "default" : threads);
        System.out.printf(Locale.ROOT, "%-6s %10s %10s %12s %12s %8s | %11s %9s %12s %8s%n", "model", "decode ms",
                "tok/s", "MB/token", "bound tok/s", "of bound", "prompt tok/s", "GFLOPS", "SGEMM GFLOPS", "of SGEMM");
        for (Map.Entry<String, Map<String, Double>> e : ms.entrySet()) {
            LlamaConfig c = TransformerBenchmark.config(e.getKey());
            Map<String, Double> m = e.getValue();
            double copyBytes = 8.0 * TransformerBenchmark.COPY_FLOATS;
            double copy = Math.max(copyBytes / (m.get("copySingleThread") * 1e-3), copyBytes / (m.get("copyParallel") * 1e-3));
            long bytes = TransformerBenchmark.weightBytesPerToken(c);
            double decodeTps = 1e3 / m.get("decodeStep"), bound = copy / bytes;
            double promptTps = TransformerBenchmark.PROMPT * 1e3 / m.get("prompt");
            double promptGflops = TransformerBenchmark.promptFlops(c) / (m.get("prompt") * 1e-3) / 1e9;
            double sgemmGflops = TransformerBenchmark.sgemmFlops(c) / (m.get("sgemm") * 1e-3) / 1e9;
            System.out.printf(Locale.ROOT, "%-6s %10.2f %10.1f %12.1f %12.1f %7.0f%% | %11.0f %9.1f %12.1f %7.0f%%%n",
                    e.getKey(), m.get("decodeStep"), decodeTps, bytes / 1e6, bound, 100 * decodeTps / bound, promptTps,
                    promptGflops, sgemmGflops, 100 * promptGflops / sgemmGflops);
            double readBytes = 4.0 * TransformerBenchmark.COPY_FLOATS;
            double read = Math.max(readBytes / (m.get("readSingleThread") * 1e-3), readBytes / (m.get("readParallel") * 1e-3));
            System.out.printf(Locale.ROOT, "       copy %.1f GB/s read+written (1 thread %.1f, parallel %.1f); read-only stream %.1f GB/s"
                            + " (1 thread %.1f, parallel %.1f): decode reads at %.1f GB/s = %.0f%% of the read stream%n", copy / 1e9,
                    copyBytes / (m.get("copySingleThread") * 1e-3) / 1e9, copyBytes / (m.get("copyParallel") * 1e-3) / 1e9,
                    read / 1e9, readBytes / (m.get("readSingleThread") * 1e-3) / 1e9, readBytes / (m.get("readParallel") * 1e-3) / 1e9,
                    bytes * decodeTps / 1e9, 100 * bytes * decodeTps / read);
            int longContext = TransformerBenchmark.longContext(c);
            long longBytes = TransformerBenchmark.weightBytesPerToken(c, longContext);
            double longTps = 1e3 / m.get("decodeStepLongContext");
            System.out.printf(Locale.ROOT, "       decode after %d positions: %.2f ms, %.1f tok/s, %.1f MB/token, %.0f%% of the copy bound%n",
                    longContext, m.get("decodeStepLongContext"), longTps, longBytes / 1e6,
                    100 * longTps / (copy / longBytes));
            double weightBytes = 4.0 * TransformerBenchmark.matrixFloats(c);
            System.out.printf(Locale.ROOT, "       summing the weight matrices: %.1f GB/s, %.2f ms; decode step / that sum = %.0f%%%n",
                    weightBytes / (m.get("readWeights") * 1e-3) / 1e9, m.get("readWeights"),
                    100 * m.get("readWeights") / m.get("decodeStep"));
        }
        if (trainMs != null)
            System.out.printf(Locale.ROOT, "GPT-2 small train step (B=%d, T=%d, fwd+bwd): %.0f ms, %.1f GFLOPS (6·N·tokens)%n",
                    GptTrainStepBenchmark.BATCH, GptTrainStepBenchmark.TOKENS, trainMs,
                    GptTrainStepBenchmark.flops() / (trainMs * 1e-3) / 1e9);
    }

    private static double median(RunResult r) {
        List<Double> scores = new ArrayList<>();
        for (BenchmarkResult b : r.getBenchmarkResults())
            for (IterationResult it : b.getIterationResults()) scores.add(it.getPrimaryResult().getScore());
        scores.sort(Double::compare);
        int n = scores.size();
        return n % 2 == 1 ? scores.get(n / 2) : (scores.get(n / 2 - 1) + scores.get(n / 2)) / 2;
    }
}
