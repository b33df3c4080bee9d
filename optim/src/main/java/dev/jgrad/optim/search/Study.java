package dev.jgrad.optim.search;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A search's trials on disk: {@code study.jsonl}, one JSON object per finished trial, appended (and flushed) as
 * each trial ends, so that an interrupted search loses at most the trial that was running and
 * {@link HyperparameterSearch} can resume where it stopped. A line looks like
 * <pre>
 * {"trial":3,"state":"PRUNED","value":2.41,"steps":100,"seconds":12.5,"note":"pruned at step 100",
 *  "params":{"lr":0.0021,"dim":128},"intermediate":{"25":2.9,"100":2.41}}
 * </pre>
 * ({@code value} is null for a failed trial). A last line cut short by a crash is ignored.
 */
public final class Study {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Study() {}

    /** Appends one trial. */
    public static void append(Path file, Trial t) {
        ObjectNode o = JSON.createObjectNode();
        o.put("trial", t.index());
        o.put("state", t.state().name());
        if (Double.isFinite(t.metric())) o.put("value", t.metric());
        else o.putNull("value");
        o.put("steps", t.steps());
        o.put("seconds", t.seconds());
        o.put("note", t.note());
        o.set("params", JSON.valueToTree(t.params()));
        ObjectNode inter = o.putObject("intermediate");
        t.intermediate().forEach((step, v) -> {
            if (Double.isFinite(v)) inter.put(Integer.toString(step), v);
            else inter.putNull(Integer.toString(step));
        });
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, JSON.writeValueAsString(o) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** The trials in {@code file}, in order (they must be numbered 0, 1, 2, ...). */
    public static List<Trial> load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            try {
                Trial t = parse(JSON.readTree(line));
                if (t.index() != trials.size())
                    throw new IllegalArgumentException(file + " line " + (i + 1) + ": trial " + t.index()
                            + " where trial " + trials.size() + " was expected");
                trials.add(t);
            } catch (JacksonException | RuntimeException e) {
                if (i == lines.size() - 1 && e instanceof JacksonException) break; // a line cut short by a crash
                if (e instanceof IllegalArgumentException iae) throw iae;
                throw new IllegalArgumentException(file + " line " + (i + 1) + " is not a trial: " + e.getMessage(), e);
            }
        }
        return trials;
    }

    private static Trial parse(JsonNode o) {
        Map<String, Object> params = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.required("params").fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode v = e.getValue();
            params.put(e.getKey(), v.isInt() ? (Object) v.intValue() : v.isNumber() ? (Object) v.doubleValue() : v.asText());
        }
        TreeMap<Integer, Double> inter = new TreeMap<>();
        JsonNode im = o.get("intermediate");
        if (im != null)
            for (Iterator<Map.Entry<String, JsonNode>> it = im.fields(); it.hasNext(); ) {
                var e = it.next();
                inter.put(Integer.parseInt(e.getKey()), e.getValue().isNull() ? Double.NaN : e.getValue().doubleValue());
            }
        JsonNode value = o.required("value");
        return new Trial(o.required("trial").intValue(), params, value.isNull() ? Double.NaN : value.doubleValue(),
                o.required("steps").intValue(), o.required("seconds").doubleValue(), o.required("note").asText(),
                Trial.State.valueOf(o.required("state").asText()), inter);
    }
}
