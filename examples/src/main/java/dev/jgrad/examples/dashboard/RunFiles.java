package dev.jgrad.examples.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads what training and search leave on disk, for the dashboard: the runs under a folder, each run's metrics and
 * samples, and each search study's trials. Every read is of files that another process may be writing right now,
 * so a reader takes whole lines only and skips any line it cannot parse (a torn last line, a foreign row) instead of
 * failing: the next poll sees it complete.
 *
 * <p>A <em>run</em> is a folder holding {@code metrics.jsonl} or {@code metrics.csv} (what {@code Trainer} writes);
 * a <em>study</em> is a folder holding {@code results.csv}, {@code best.json}, a {@code *.jsonl} of trials or
 * {@code trial-NNN} run folders (what {@code ./jgrad search} writes); its trial folders are runs too. Names are paths relative to the root,
 * with {@code /}.
 */
final class RunFiles {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SAMPLE_HEADER = Pattern.compile("^=== step (\\d+) \\(val loss ([^)]*)\\) ===$", Pattern.MULTILINE);

    private final Path root;

    RunFiles(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    /**
     * The runs and studies under the root (the root itself, its children and grandchildren), sorted by name. A folder
     * that vanishes while it is listed (a failed run cleaned up, a temporary directory renamed) is left out.
     */
    Map<String, List<String>> list() {
        List<String> runs = new ArrayList<>(), studies = new ArrayList<>();
        Map<String, List<String>> out = new LinkedHashMap<>();
        out.put("runs", runs);
        out.put("studies", studies);
        List<Path> dirs = new ArrayList<>();
        if (Files.isDirectory(root)) dirs.add(root);
        for (Path child : subfolders(root)) {
            dirs.add(child);
            dirs.addAll(subfolders(child));
        }
        for (Path d : dirs.stream().sorted().toList()) {
            if (isRun(d)) runs.add(name(d));
            if (isStudy(d)) studies.add(name(d));
        }
        return out;
    }

    /** The folders in {@code d}, or none if it cannot be listed (it is gone or not a folder). */
    private static List<Path> subfolders(Path d) {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(Files::isDirectory).toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }

    static boolean isRun(Path d) {
        return Files.isRegularFile(d.resolve("metrics.jsonl")) || Files.isRegularFile(d.resolve("metrics.csv"));
    }

    static boolean isStudy(Path d) {
        if (Files.isRegularFile(d.resolve("results.csv")) || Files.isRegularFile(d.resolve("best.json"))) return true;
        try (Stream<Path> files = Files.list(d)) {
            return files.anyMatch(f -> {
                String name = f.getFileName().toString();
                return name.endsWith(".jsonl") && !name.startsWith("metrics") || name.matches("trial-\\d+") && isRun(f);
            });
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    private String name(Path d) {
        String rel = root.relativize(d).toString().replace('\\', '/');
        return rel.isEmpty() ? "." : rel;
    }

    /** The folder a name from {@link #list} stands for, or an IllegalArgumentException for one outside the root. */
    Path resolve(String name) {
        Path d = root.resolve(name == null || name.isEmpty() ? "." : name).normalize();
        if (!d.startsWith(root) || !Files.isDirectory(d)) throw new IllegalArgumentException("no such run: " + name);
        return d;
    }

    /**
     * One run's metrics, as columns ready to chart. {@code train}: step, loss, perplexity, lr, grad_norm,
     * tokens_per_sec, seconds (training time so far) and tokens (seen so far); {@code val}: step, loss, perplexity
     * and the seconds and tokens of the training step it followed; {@code samples}: step, val loss and text.
     */
    Map<String, Object> run(String name) throws IOException {
        Path d = resolve(name);
        List<double[]> train = new ArrayList<>(), val = new ArrayList<>();
        if (Files.isRegularFile(d.resolve("metrics.jsonl"))) readJsonl(d.resolve("metrics.jsonl"), train, val);
        else if (Files.isRegularFile(d.resolve("metrics.csv"))) readCsv(d.resolve("metrics.csv"), train, val);
        List<double[]> chartVal = withClock(val, train);   // also turns train into chart rows
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("train", columns(train, "step", "loss", "perplexity", "lr", "grad_norm", "tokens_per_sec", "seconds", "tokens"));
        out.put("val", columns(chartVal, "step", "loss", "perplexity", "seconds", "tokens"));
        out.put("samples", samples(d.resolve("samples.txt")));
        return out;
    }

    /** Train rows: step, loss, lr, grad_norm, ms, items_per_sec, as written; val rows: step, loss, perplexity. */
    private static void readJsonl(Path file, List<double[]> train, List<double[]> val) throws IOException {
        for (String line : completeLines(file)) {
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                continue;
            }
            if (n == null || !n.has("step")) continue;
            String kind = n.path("kind").asText();
            if (kind.equals("train")) train.add(new double[]{n.get("step").asDouble(), num(n, "loss"), num(n, "lr"),
                    num(n, "grad_norm"), num(n, "ms"), num(n, "items_per_sec")});
            else if (kind.equals("val")) val.add(new double[]{n.get("step").asDouble(), num(n, "loss"), num(n, "perplexity")});
        }
    }

    private static double num(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isNumber() ? v.asDouble() : Double.NaN;
    }

    /** The same from {@code kind,step,loss,perplexity,lr,grad_norm,ms,items_per_sec,gflops}. */
    private static void readCsv(Path file, List<double[]> train, List<double[]> val) throws IOException {
        for (String line : completeLines(file)) {
            String[] f = line.split(",", -1);
            if (f.length < 8) continue;
            try {
                if (f[0].equals("train")) train.add(new double[]{Double.parseDouble(f[1]), d(f[2]), d(f[4]), d(f[5]), d(f[6]), d(f[7])});
                else if (f[0].equals("val")) val.add(new double[]{Double.parseDouble(f[1]), d(f[2]), d(f[3])});
            } catch (NumberFormatException e) {
                // the header or a foreign row
            }
        }
    }

    private static double d(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    /** The lines of {@code file} that end in a newline: a line still being written is left for the next read. */
    static List<String> completeLines(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return List.of();
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        if (end < 0) return List.of();
        List<String> lines = new ArrayList<>();
        for (String l : text.substring(0, end).split("\n")) if (!l.isBlank()) lines.add(l.strip());
        return lines;
    }

    /**
     * Turns raw train rows into chart rows: adds perplexity e^loss, and running sums of time and tokens (tokens of
     * a step = tokens/s x its seconds). Raw val rows get the clock of the last train row at or before their step.
     */
    private static List<double[]> withClock(List<double[]> val, List<double[]> train) {
        double seconds = 0, tokens = 0;
        int j = 0;
        List<double[]> chartTrain = new ArrayList<>(train.size());
        for (double[] t : train) {
            double s = Double.isNaN(t[4]) ? 0 : t[4] / 1000;
            seconds += s;
            tokens += Double.isNaN(t[5]) ? 0 : t[5] * s;
            chartTrain.add(new double[]{t[0], t[1], Math.exp(t[1]), t[2], t[3], t[5], seconds, tokens});
        }
        train.clear();
        train.addAll(chartTrain);
        List<double[]> out = new ArrayList<>(val.size());
        for (double[] v : val) {
            while (j + 1 < train.size() && train.get(j + 1)[0] <= v[0]) j++;
            double[] clock = train.isEmpty() ? new double[]{0, 0, 0, 0, 0, 0, 0, 0} : train.get(j);
            out.add(new double[]{v[0], v[1], v[2], clock[6], clock[7]});
        }
        return out;
    }

    /** Rows to named columns: {"step": [...], "loss": [...]}; NaN becomes null (JSON has no NaN). */
    private static Map<String, List<Double>> columns(List<double[]> rows, String... names) {
        Map<String, List<Double>> cols = new LinkedHashMap<>();
        for (int c = 0; c < names.length; c++) {
            List<Double> col = new ArrayList<>(rows.size());
            for (double[] r : rows) col.add(Double.isFinite(r[c]) ? r[c] : null);
            cols.put(names[c], col);
        }
        return cols;
    }

    /** {@code samples.txt} as written by SampleWriter: blocks headed {@code === step N (val loss X) ===}. */
    static List<Map<String, Object>> samples(Path file) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) return out;
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Matcher m = SAMPLE_HEADER.matcher(text);
        List<int[]> spans = new ArrayList<>();
        List<String[]> heads = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[]{m.start(), m.end()});
            heads.add(new String[]{m.group(1), m.group(2)});
        }
        for (int i = 0; i < spans.size(); i++) {
            int to = i + 1 < spans.size() ? spans.get(i + 1)[0] : text.length();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("step", Integer.parseInt(heads.get(i)[0]));
            s.put("val_loss", heads.get(i)[1]);
            s.put("text", text.substring(spans.get(i)[1], to).strip());
            out.add(s);
        }
        return out;
    }
}
