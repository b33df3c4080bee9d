package dev.jgrad.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prints the jgrad-vs-OpenBLAS table from a JMH JSON result of {@link SgemmBenchmark} (and of
 * {@link SgemmHeadsBenchmark}, whose rows read {@code 48heads:scores} / {@code 48heads:values}):
 * {@code shape | threads | jgrad GFLOPS | OpenBLAS GFLOPS | ratio}, where each GFLOPS figure is
 * {@code 2·m·n·k} over the median of all measured iterations, and ratio is jgrad / OpenBLAS.
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar dev.jgrad.benchmarks.SgemmRatio result.json}
 */
public final class SgemmRatio {

    private SgemmRatio() {}

    /** Median time per multiply in microseconds, keyed by "shape transB threads" then library. */
    static Map<String, Map<String, Double>> medians(JsonNode results) {
        Map<String, Map<String, Double>> table = new TreeMap<>(SgemmRatio::compareRows);
        for (JsonNode r : results) {
            String bench = r.path("benchmark").asText();
            String method = bench.substring(bench.lastIndexOf('.') + 1);   // jgrad_t1, openblas_t2
            int split = method.lastIndexOf("_t");
            if (!bench.contains(".Sgemm") || split < 0) continue;
            String library = method.substring(0, split);
            String threads = method.substring(split + 2);
            JsonNode params = r.path("params");
            String key;
            if (bench.contains("SgemmHeadsBenchmark")) {
                String product = params.path("product").asText();   // scores multiply by Kᵀ
                key = HEADS_PREFIX + product + " " + product.equals("scores") + " " + threads;
            } else {
                key = params.path("shape").asText() + " " + params.path("transB").asText("false") + " " + threads;
            }
            if (!"us/op".equals(r.path("primaryMetric").path("scoreUnit").asText())) {
                throw new IllegalArgumentException(bench + ": expected us/op scores");
            }
            List<Double> samples = new ArrayList<>();
            for (JsonNode fork : r.path("primaryMetric").path("rawData")) {
                for (JsonNode v : fork) samples.add(v.asDouble());
            }
            if (samples.isEmpty()) continue;
            samples.sort(null);
            int h = samples.size() / 2;
            double median = samples.size() % 2 == 1 ? samples.get(h) : (samples.get(h - 1) + samples.get(h)) / 2;
            table.computeIfAbsent(key, x -> new TreeMap<>()).put(library, median);
        }
        return table;
    }

    /** Row label of the SgemmHeadsBenchmark products (48 attention heads). */
    private static final String HEADS_PREFIX = "48heads:";

    /** Rows sorted by flop count, then transB, then threads. */
    private static int compareRows(String x, String y) {
        String[] a = x.split(" "), b = y.split(" ");
        int c = Double.compare(flops(a[0]), flops(b[0]));
        if (c == 0) c = a[0].compareTo(b[0]);
        if (c == 0) c = a[1].compareTo(b[1]);
        return c != 0 ? c : Integer.compare(Integer.parseInt(a[2]), Integer.parseInt(b[2]));
    }

    static double flops(String shape) {
        if (shape.startsWith(HEADS_PREFIX)) {
            return 2.0 * SgemmHeadsBenchmark.HEADS * SgemmHeadsBenchmark.T * SgemmHeadsBenchmark.T * SgemmHeadsBenchmark.HS;
        }
        int[] mkn = SgemmBenchmark.parseShape(shape);
        return 2.0 * mkn[0] * mkn[1] * mkn[2];
    }

    static String format(Map<String, Map<String, Double>> table) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-15s | %-6s | %7s | %12s | %15s | %5s%n",
                "shape (MxKxN)", "transB", "threads", "jgrad GFLOPS", "OpenBLAS GFLOPS", "ratio"));
        for (Map.Entry<String, Map<String, Double>> row : table.entrySet()) {
            String[] key = row.getKey().split(" ");
            double flop = flops(key[0]);
            Double j = row.getValue().get("jgrad"), o = row.getValue().get("openblas");
            String jg = j == null ? "-" : String.format(Locale.ROOT, "%.1f", flop / (j * 1e3));
            String og = o == null ? "-" : String.format(Locale.ROOT, "%.1f", flop / (o * 1e3));
            String ratio = j == null || o == null ? "-" : String.format(Locale.ROOT, "%.2f", o / j);
            out.append(String.format(Locale.ROOT, "%-15s | %-6s | %7s | %12s | %15s | %5s%n",
                    key[0], key[1], key[2], jg, og, ratio));
        }
        return out.toString();
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: SgemmRatio <jmh-result.json>");
            System.exit(2);
        }
        JsonNode results = new ObjectMapper().readTree(Path.of(args[0]).toFile());
        System.out.print(format(medians(results)));
    }
}
