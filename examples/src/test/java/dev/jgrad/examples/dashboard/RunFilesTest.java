package dev.jgrad.examples.dashboard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What the dashboard reads from run and study folders, from files written by hand in the documented formats. */
class RunFilesTest {

    @SuppressWarnings("unchecked")
    private static List<Double> col(Map<String, Object> run, String part, String column) {
        return ((Map<String, List<Double>>) run.get(part)).get(column);
    }

    @Test
    void metricsJsonlBecomeColumnsWithRunningTimeAndTokensAndATornLineWaits(@TempDir Path dir) throws Exception {
        Path run = Files.createDirectories(dir.resolve("a"));
        Files.writeString(run.resolve("metrics.jsonl"), """
                {"kind":"train","step":1,"loss":2.0,"lr":0.001,"grad_norm":1.5,"ms":500.000,"items_per_sec":100.0,"gflops":0.1}
                {"kind":"train","step":2,"loss":null,"lr":0.002,"grad_norm":1.0,"ms":250.000,"items_per_sec":400.0,"gflops":0.1}
                {"kind":"val","step":2,"loss":1.5,"perplexity":4.4816891,"best":true}
                not json at all
                {"kind":"train","step":3,"loss":1.0,"lr":0.003,"grad_norm":0.5,"ms":1000.000,"items_per_sec":10.0,"gflops":0.1}
                {"kind":"train","step":4,"loss":0.9,"lr\
                """);
        Map<String, Object> m = new RunFiles(dir).run("a");
        assertEquals(List.of(1.0, 2.0, 3.0), col(m, "train", "step"), "the torn last line is left for the next read");
        assertEquals(Math.exp(2.0), col(m, "train", "perplexity").get(0), 1e-12);
        assertNull(col(m, "train", "loss").get(1), "a non-finite loss (null in JSON) stays a gap");
        // seconds: 0.5, 0.75, 1.75; tokens: 100*0.5=50, +400*0.25=150, +10*1=160
        assertEquals(List.of(0.5, 0.75, 1.75), col(m, "train", "seconds"));
        assertEquals(List.of(50.0, 150.0, 160.0), col(m, "train", "tokens"));
        assertEquals(List.of(2.0), col(m, "val", "step"));
        assertEquals(List.of(0.75), col(m, "val", "seconds"), "an evaluation has the clock of the step it followed");
        assertEquals(List.of(150.0), col(m, "val", "tokens"));
    }

    @Test
    void metricsCsvIsReadWhenThereIsNoJsonl(@TempDir Path dir) throws Exception {
        Path run = Files.createDirectories(dir.resolve("a"));
        Files.writeString(run.resolve("metrics.csv"), """
                kind,step,loss,perplexity,lr,grad_norm,ms,items_per_sec,gflops
                train,1,3.000000,20.085537,0.001,2.000000,100.000,50.0,0.000
                val,1,2.500000,12.182494,,,,,
                """);
        Map<String, Object> m = new RunFiles(dir).run("a");
        assertEquals(List.of(3.0), col(m, "train", "loss"));
        assertEquals(List.of(2.0), col(m, "train", "grad_norm"));
        assertEquals(List.of(5.0), col(m, "train", "tokens"));
        assertEquals(List.of(12.182494), col(m, "val", "perplexity"));
    }

    @Test
    void samplesAreSplitOnTheirHeaders(@TempDir Path dir) throws Exception {
        Path run = Files.createDirectories(dir.resolve("a"));
        Files.writeString(run.resolve("metrics.jsonl"), "");
        Files.writeString(run.resolve("samples.txt"), """
                === step 5 (val loss 3.1000) ===
                To be or
                not

                === step 10 (val loss 2.0000) ===
                Thou art

                """);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> s = (List<Map<String, Object>>) new RunFiles(dir).run("a").get("samples");
        assertEquals(2, s.size());
        assertEquals(5, s.get(0).get("step"));
        assertEquals("To be or\nnot", s.get(0).get("text"));
        assertEquals("2.0000", s.get(1).get("val_loss"));
    }

    @Test
    void listFindsRunsAndStudiesTwoLevelsDownAndNamesStayInsideTheRoot(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("a"));
        Files.writeString(dir.resolve("a/metrics.csv"), "kind,step\n");
        Files.createDirectories(dir.resolve("s/trial-001"));
        Files.writeString(dir.resolve("s/results.csv"), "rank,trial,metric,steps,seconds,params,note\n");
        Files.writeString(dir.resolve("s/trial-001/metrics.jsonl"), "");
        Files.createDirectories(dir.resolve("s/data"));
        Files.createDirectories(dir.resolve("empty"));
        RunFiles files = new RunFiles(dir);
        assertEquals(Map.of("runs", List.of("a", "s/trial-001"), "studies", List.of("s")), files.list());
        assertThrows(IllegalArgumentException.class, () -> files.run("../" + dir.getFileName() + "-elsewhere"));
        assertThrows(IllegalArgumentException.class, () -> files.run("nope"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aStudyIsReadFromResultsCsvInTrialOrderWithItsParameters(@TempDir Path dir) throws Exception {
        Path s = Files.createDirectories(dir.resolve("s"));
        // The format HyperparameterSearch.save writes: ranked, params quoted, a failed trial without a metric.
        Files.writeString(s.resolve("results.csv"), """
                rank,trial,metric,steps,seconds,params,note
                1,3,1.5,10,2.50,"lr=0.003000 dim=32","completed"
                2,1,2.25,10,2.00,"lr=0.0001000 dim=16","early stop"
                3,2,,0,0.10,"lr=0.001000 dim=16","failed: out of memory, try less"
                """);
        Files.writeString(s.resolve("best.json"), "{\"metric\": 1.5, \"trial\": 3, \"params\": {\"lr\": 0.003, \"dim\": 32}}");
        Map<String, Object> study = StudyFiles.study(new RunFiles(dir), "s");
        List<Map<String, Object>> trials = (List<Map<String, Object>>) study.get("trials");
        assertEquals(List.of(1, 2, 3), trials.stream().map(t -> t.get("trial")).toList());
        assertEquals(2.25, trials.get(0).get("metric"));
        assertNull(trials.get(1).get("metric"));
        assertEquals("failed: out of memory, try less", trials.get(1).get("note"));
        assertEquals(Map.of("lr", 0.003, "dim", 32.0), trials.get(2).get("params"));
        assertEquals(3, ((com.fasterxml.jackson.databind.JsonNode) study.get("best")).get("trial").asInt());
    }

    @Test
    @SuppressWarnings("unchecked")
    void withoutResultsCsvAStudyIsReadFromTrialLinesInJsonl(@TempDir Path dir) throws Exception {
        Path s = Files.createDirectories(dir.resolve("s"));
        Files.writeString(s.resolve("study.jsonl"), """
                {"number": 2, "value": 1.25, "state": "complete", "params": {"lr": 0.01, "act": "gelu"}}
                {"trial": 1, "metric": 2.0, "params": {"lr": 0.001}}
                {"number": 1, "value": 1.75, "state": "pruned", "params": {"lr": 0.001}}
                {"number": 3, "val\
                """);
        List<Map<String, Object>> trials = (List<Map<String, Object>>) StudyFiles.study(new RunFiles(dir), "s").get("trials");
        assertEquals(2, trials.size());
        assertEquals(1.75, trials.get(0).get("metric"), "a later line about a trial replaces an earlier one");
        assertEquals("pruned", trials.get(0).get("note"));
        assertEquals(Map.of("lr", 0.01, "act", "gelu"), trials.get(1).get("params"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSearchWithOnlyTrialFoldersSoFarIsAStudyOfTheirBestValidationLossAndTheSettingsThatDiffer(@TempDir Path dir)
            throws Exception {
        Path s = Files.createDirectories(dir.resolve("s"));
        String[][] trials = {{"trial-001", "0.001", "3.0", "2.5"}, {"trial-002", "0.01", "2.0", "2.75"}};
        for (String[] t : trials) {
            Path run = Files.createDirectories(s.resolve(t[0]));
            Files.writeString(run.resolve("config.json"), "{\"lr\": " + t[1] + ", \"dim\": 32, \"tokenizer\": \"char\"}");
            Files.writeString(run.resolve("metrics.jsonl"), """
                    {"kind":"train","step":1,"loss":4.0,"lr":0.001,"grad_norm":1.0,"ms":1.0,"items_per_sec":1.0,"gflops":0.0}
                    {"kind":"val","step":1,"loss":%s,"perplexity":1.0,"best":true}
                    {"kind":"train","step":2,"loss":4.0,"lr":0.001,"grad_norm":1.0,"ms":1.0,"items_per_sec":1.0,"gflops":0.0}
                    {"kind":"val","step":2,"loss":%s,"perplexity":1.0,"best":false}
                    """.formatted(t[2], t[3]));
        }
        assertEquals(List.of("s"), new RunFiles(dir).list().get("studies"));
        List<Map<String, Object>> found = (List<Map<String, Object>>) StudyFiles.study(new RunFiles(dir), "s").get("trials");
        assertEquals(List.of(1, 2), found.stream().map(t -> t.get("trial")).toList());
        assertEquals(List.of(2.5, 2.0), found.stream().map(t -> t.get("metric")).toList(), "the lowest validation loss");
        assertEquals(2.0, found.get(0).get("steps"));
        assertEquals(Map.of("lr", 0.001), found.get(0).get("params"), "only the settings that differ are parameters");
    }
}
