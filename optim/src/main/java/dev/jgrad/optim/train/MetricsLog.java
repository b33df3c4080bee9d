package dev.jgrad.optim.train;

import dev.jgrad.optim.tensorboard.EventWriter;

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
 * crashed run keeps its history. A run resumed from a checkpoint at step {@code s} first drops the rows past
 * {@code s} (and a line torn by the crash), since it replays those steps: each step appears once. The same numbers go to a TensorBoard
 * event file ({@link EventWriter}; a resumed run starts a second one), so that {@code tensorboard --logdir runs} plots
 * them: {@code train/loss}, {@code train/perplexity}, {@code train/lr}, {@code train/grad_norm},
 * {@code train/tokens_per_sec}, {@code val/loss} and {@code val/perplexity}, plus any {@link #text text}.
 */
final class MetricsLog implements AutoCloseable {

    static final String CSV_HEADER = "kind,step,loss,perplexity,lr,grad_norm,ms,items_per_sec,gflops";

    private final BufferedWriter csv;
    private final BufferedWriter jsonl;
    private final EventWriter events;

    private MetricsLog(BufferedWriter csv, BufferedWriter jsonl, EventWriter events) {
        this.csv = csv;
        this.jsonl = jsonl;
        this.events = events;
    }

    /** Opens the logs of {@code runDir} for a run that continues after {@code fromStep} (0: a fresh run). */
    static MetricsLog open(Path runDir, int fromStep) {
        try {
            Files.createDirectories(runDir);
            Path csvPath = runDir.resolve("metrics.csv"), jsonlPath = runDir.resolve("metrics.jsonl");
            keepUpTo(csvPath, fromStep, CSV_HEADER, MetricsLog::csvStep);
            keepUpTo(jsonlPath, fromStep, null, MetricsLog::jsonStep);
            BufferedWriter csv = Files.newBufferedWriter(csvPath, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            BufferedWriter jsonl = Files.newBufferedWriter(jsonlPath, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            return new MetricsLog(csv, jsonl, EventWriter.create(runDir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics in " + runDir, e);
        }
    }

    /**
     * Rewrites {@code file} (atomically: a sibling then a rename) with its complete lines whose step is at most
     * {@code step}, after {@code header} if there is one. A line without a step (torn, foreign) is dropped.
     */
    private static void keepUpTo(Path file, int step, String header, java.util.function.ToLongFunction<String> stepOf)
            throws IOException {
        java.util.List<String> kept = new java.util.ArrayList<>();
        if (header != null) kept.add(header);
        if (step > 0 && Files.exists(file)) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');                 // after it: a line torn by a crash
            if (end >= 0) {
                for (String line : text.substring(0, end).split("\n", -1)) {
                    if (line.equals(header)) continue;
                    long s = stepOf.applyAsLong(line);
                    if (s >= 1 && s <= step) kept.add(line);
                }
            }
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, kept, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The step of a CSV row ({@code kind,step,...}), or -1. */
    static long csvStep(String line) {
        String[] f = line.split(",", 3);
        return f.length == 3 && (f[0].equals("train") || f[0].equals("val")) ? parse(f[1]) : -1;
    }

    /** The step of a JSONL row ({@code {"kind":..,"step":N,...}}), or -1. */
    static long jsonStep(String line) {
        if (!line.startsWith("{") || !line.endsWith("}")) return -1;
        int at = line.indexOf("\"step\":");
        if (at < 0) return -1;
        int from = at + "\"step\":".length(), to = from;
        while (to < line.length() && Character.isDigit(line.charAt(to))) to++;
        return parse(line.substring(from, to));
    }

    private static long parse(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    void step(StepMetrics m) {
        write(String.format(Locale.ROOT, "train,%d,%.6f,%.6f,%.6g,%.6f,%.3f,%.1f,%.3f", m.step(), m.loss(),
                        Math.exp(m.loss()), m.lr(), m.gradNorm(), m.millis(), m.itemsPerSec(), m.gflops()),
                String.format(Locale.ROOT, "{\"kind\":\"train\",\"step\":%d,\"loss\":%s,\"lr\":%s,\"grad_norm\":%s,"
                                + "\"ms\":%.3f,\"items_per_sec\":%.1f,\"gflops\":%.3f}", m.step(), num(m.loss()), num(m.lr()),
                        num(m.gradNorm()), m.millis(), m.itemsPerSec(), m.gflops()));
        events.scalar("train/loss", m.step(), m.loss());
        events.scalar("train/perplexity", m.step(), Math.exp(m.loss()));
        events.scalar("train/lr", m.step(), m.lr());
        events.scalar("train/grad_norm", m.step(), m.gradNorm());
        events.scalar("train/tokens_per_sec", m.step(), m.itemsPerSec());
    }

    void eval(EvalMetrics e) {
        write(String.format(Locale.ROOT, "val,%d,%.6f,%.6f,,,,,", e.step(), e.loss(), e.perplexity()),
                String.format(Locale.ROOT, "{\"kind\":\"val\",\"step\":%d,\"loss\":%s,\"perplexity\":%s,\"best\":%b}",
                        e.step(), num(e.loss()), num(e.perplexity()), e.best()));
        events.scalar("val/loss", e.step(), e.loss());
        events.scalar("val/perplexity", e.step(), e.perplexity());
    }

    /** Text for TensorBoard's Text tab (a generated sample, say) under {@code tag} at {@code step}. */
    void text(String tag, int step, String text) {
        events.text(tag, step, text);
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
            events.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
