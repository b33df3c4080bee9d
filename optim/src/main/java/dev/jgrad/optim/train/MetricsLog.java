package dev.jgrad.optim.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * The metrics of a run, as {@code metrics.csv} (one row per step or evaluation, for spreadsheets and plots) and
 * {@code metrics.jsonl} (one JSON object per line, for programs). Lines are flushed as they are written, so a
 * crashed run keeps its history; a resumed run appends.
 */
final class MetricsLog implements AutoCloseable {

    static final String CSV_HEADER = "kind,step,loss,perplexity,lr,grad_norm,ms,items_per_sec,gflops";

    private final BufferedWriter csv;
    private final BufferedWriter jsonl;

    private MetricsLog(BufferedWriter csv, BufferedWriter jsonl) {
        this.csv = csv;
        this.jsonl = jsonl;
    }

    static MetricsLog open(Path runDir, boolean append) {
        try {
            Files.createDirectories(runDir);
            Path csvPath = runDir.resolve("metrics.csv");
            boolean fresh = !append || !Files.exists(csvPath);
            StandardOpenOption mode = fresh ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND;
            BufferedWriter csv = Files.newBufferedWriter(csvPath, StandardCharsets.UTF_8, StandardOpenOption.CREATE, mode);
            BufferedWriter jsonl = Files.newBufferedWriter(runDir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, mode);
            if (fresh) {
                csv.write(CSV_HEADER);
                csv.newLine();
            }
            return new MetricsLog(csv, jsonl);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics in " + runDir, e);
        }
    }

    void step(StepMetrics m) {
        write(String.format(Locale.ROOT, "train,%d,%.6f,%.6f,%.6g,%.6f,%.3f,%.1f,%.3f", m.step(), m.loss(),
                        Math.exp(m.loss()), m.lr(), m.gradNorm(), m.millis(), m.itemsPerSec(), m.gflops()),
                String.format(Locale.ROOT, "{\"kind\":\"train\",\"step\":%d,\"loss\":%s,\"lr\":%s,\"grad_norm\":%s,"
                                + "\"ms\":%.3f,\"items_per_sec\":%.1f,\"gflops\":%.3f}", m.step(), num(m.loss()), num(m.lr()),
                        num(m.gradNorm()), m.millis(), m.itemsPerSec(), m.gflops()));
    }

    void eval(EvalMetrics e) {
        write(String.format(Locale.ROOT, "val,%d,%.6f,%.6f,,,,,", e.step(), e.loss(), e.perplexity()),
                String.format(Locale.ROOT, "{\"kind\":\"val\",\"step\":%d,\"loss\":%s,\"perplexity\":%s,\"best\":%b}",
                        e.step(), num(e.loss()), num(e.perplexity()), e.best()));
    }

    /** JSON has no NaN or infinity: those become null. */
    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.8g", v) : "null";
    }

    private void write(String csvLine, String jsonLine) {
        try {
            csv.write(csvLine);
            csv.newLine();
            csv.flush();
            jsonl.write(jsonLine);
            jsonl.newLine();
            jsonl.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics", e);
        }
    }

    @Override
    public void close() {
        try {
            csv.close();
            jsonl.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
