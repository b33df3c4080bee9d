package dev.jgrad.examples.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads a search study's folder for the dashboard: its trials (number, objective, steps, seconds, note and
 * parameters), its best configuration and the trial folders that are runs. Trials come from {@code results.csv}
 * ({@code rank,trial,metric,steps,seconds,params,note}, params as {@code "name=value name=value"}); when there is
 * none (a study still running), from any {@code *.jsonl} in the folder whose lines are trial objects with a number
 * ({@code trial}, {@code number} or {@code index}), an objective ({@code metric}, {@code value} or {@code objective})
 * and {@code params}; when there is neither (a search that has written no summary yet), from its {@code trial-NNN}
 * folders: the best validation loss in each one's metrics, and as parameters the {@code config.json} settings that
 * differ between trials. Unreadable lines are skipped. Trials are returned in trial order, so a best-so-far curve is a
 * running minimum.
 */
final class StudyFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StudyFiles() {}

    static Map<String, Object> study(RunFiles files, String name) throws IOException {
        Path d = files.resolve(name);
        List<Map<String, Object>> trials = Files.isRegularFile(d.resolve("results.csv"))
                ? fromResultsCsv(d.resolve("results.csv")) : fromJsonl(d);
        if (trials.isEmpty()) trials = fromTrialFolders(d);
        trials.sort(Comparator.comparingDouble(t -> ((Number) t.get("trial")).doubleValue()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("trials", trials);
        Path best = d.resolve("best.json");
        Object bestNode = null;
        if (Files.isRegularFile(best)) {
            try {
                bestNode = JSON.readTree(best.toFile());
            } catch (IOException e) {
                bestNode = null;   // being replaced right now: the next poll reads it
            }
        }
        out.put("best", bestNode);
        List<String> runs = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(d)) {
            dirs.filter(Files::isDirectory).filter(RunFiles::isRun).sorted()
                    .forEach(p -> runs.add((name.equals(".") ? "" : name + "/") + p.getFileName()));
        }
        out.put("runs", runs);
        return out;
    }

    static List<Map<String, Object>> fromResultsCsv(Path file) throws IOException {
        List<Map<String, Object>> trials = new ArrayList<>();
        List<String> lines = RunFiles.completeLines(file);
        if (lines.isEmpty()) return trials;
        List<String> header = splitCsv(lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = splitCsv(line);
            if (f.size() != header.size()) continue;
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < f.size(); i++) row.put(header.get(i), f.get(i));
            Double number = parse(row.get("trial"));
            if (number == null) continue;
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("trial", number.intValue());
            t.put("metric", parse(row.get("metric")));
            t.put("steps", parse(row.get("steps")));
            t.put("seconds", parse(row.get("seconds")));
            t.put("note", row.getOrDefault("note", ""));
            t.put("params", params(row.getOrDefault("params", "")));
            trials.add(t);
        }
        return trials;
    }

    /** Splits one CSV line on commas outside double quotes, and drops the quotes. */
    static List<String> splitCsv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else cur.append(c);
        }
        out.add(cur.toString());
        return out;
    }

    /** {@code "lr=0.003 layers=2"} to {lr: 0.003, layers: 2}; values that are not numbers stay text. */
    static Map<String, Object> params(String text) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String part : text.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq <= 0) continue;
            String v = part.substring(eq + 1);
            Double n = parse(v);
            out.put(part.substring(0, eq), n != null ? (Object) n : v);
        }
        return out;
    }

    private static Double parse(String s) {
        if (s == null || s.isBlank()) return null;
        try {
            double v = Double.parseDouble(s.trim());
            return Double.isFinite(v) ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static List<Map<String, Object>> fromJsonl(Path d) throws IOException {
        Map<Integer, Map<String, Object>> byTrial = new LinkedHashMap<>();   // a later line about a trial replaces an earlier one
        List<Path> files;
        try (Stream<Path> s = Files.list(d)) {
            files = s.filter(f -> f.getFileName().toString().endsWith(".jsonl")).sorted().toList();
        }
        for (Path f : files) {
            for (String line : RunFiles.completeLines(f)) {
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    continue;
                }
                if (n == null || !n.isObject()) continue;
                JsonNode number = first(n, "trial", "number", "index");
                if (number == null || !number.isNumber()) continue;
                JsonNode metric = first(n, "metric", "value", "objective");
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("trial", number.asInt());
                t.put("metric", metric != null && metric.isNumber() && Double.isFinite(metric.asDouble()) ? metric.asDouble() : null);
                t.put("steps", n.path("steps").isNumber() ? n.get("steps").asDouble() : null);
                t.put("seconds", n.path("seconds").isNumber() ? n.get("seconds").asDouble() : null);
                JsonNode note = first(n, "note", "state", "status");
                t.put("note", note != null ? note.asText() : "");
                Map<String, Object> params = new LinkedHashMap<>();
                n.path("params").properties().forEach(e -> params.put(e.getKey(),
                        e.getValue().isNumber() ? (Object) e.getValue().asDouble() : e.getValue().asText()));
                t.put("params", params);
                byTrial.put(number.asInt(), t);
            }
        }
        return new ArrayList<>(byTrial.values());
    }

    static List<Map<String, Object>> fromTrialFolders(Path d) throws IOException {
        List<Path> folders;
        try (Stream<Path> s = Files.list(d)) {
            folders = s.filter(p -> p.getFileName().toString().matches("trial-\\d+") && RunFiles.isRun(p)).sorted().toList();
        }
        List<Map<String, JsonNode>> configs = new ArrayList<>();
        for (Path f : folders) {
            Map<String, JsonNode> config = new LinkedHashMap<>();
            try {
                JSON.readTree(f.resolve("config.json").toFile()).properties().forEach(e -> config.put(e.getKey(), e.getValue()));
            } catch (IOException e) {
                // no settings to compare: the trial still shows its metric
            }
            configs.add(config);
        }
        List<String> varying = configs.stream().flatMap(c -> c.keySet().stream()).distinct()
                .filter(k -> configs.stream().map(c -> c.get(k)).distinct().count() > 1).toList();
        List<Map<String, Object>> trials = new ArrayList<>();
        for (int i = 0; i < folders.size(); i++) {
            Map<String, Object> metrics = new RunFiles(d).run(folders.get(i).getFileName().toString());
            @SuppressWarnings("unchecked")
            List<Double> val = ((Map<String, List<Double>>) metrics.get("val")).get("loss"),
                    steps = ((Map<String, List<Double>>) metrics.get("train")).get("step");
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("trial", Integer.parseInt(folders.get(i).getFileName().toString().substring("trial-".length())));
            t.put("metric", val.stream().filter(v -> v != null).min(Double::compare).orElse(null));
            t.put("steps", steps.isEmpty() ? null : steps.getLast());
            t.put("seconds", null);
            t.put("note", "");
            Map<String, Object> params = new LinkedHashMap<>();
            for (String k : varying) {
                JsonNode v = configs.get(i).get(k);
                if (v != null) params.put(k, v.isNumber() ? (Object) v.asDouble() : v.asText());
            }
            t.put("params", params);
            trials.add(t);
        }
        return trials;
    }

    private static JsonNode first(JsonNode n, String... names) {
        for (String name : names) if (n.hasNonNull(name)) return n.get(name);
        return null;
    }
}
