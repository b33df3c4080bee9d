package dev.jgrad.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;

/**
 * Prints an {@link AttentionBenchmark} JSON result ({@code -rf json -rff FILE}) as GFLOPS: the median of the
 * measured iterations (other processes share the machine, so the median is the honest figure) and the mean.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.jgrad.benchmarks.AttentionGflops FILE}
 */
public final class AttentionGflops {

    private AttentionGflops() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) throw new IllegalArgumentException("usage: AttentionGflops result.json");
        JsonNode results = new ObjectMapper().readTree(new File(args[0]));
        System.out.printf("%-18s %5s %5s %12s %14s %12s%n", "method", "T", "C", "median ms", "median GFLOPS", "mean GFLOPS");
        for (JsonNode r : results) {
            String method = r.get("benchmark").asText().replaceAll(".*\\.", "");
            int t = r.get("params").get("T").asInt(), c = r.get("params").get("C").asInt();
            JsonNode m = r.get("primaryMetric");
            double median = m.get("scorePercentiles").get("50.0").asDouble(), mean = m.get("score").asDouble();
            double flops = AttentionBenchmark.flops(t, c);
            System.out.printf("%-18s %5d %5d %12.3f %14.1f %12.1f%n", method, t, c, median, flops / median / 1e6,
                    flops / mean / 1e6);
        }
    }
}
