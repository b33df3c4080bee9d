package dev.jgrad.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./jgrad train --resume}: extending a run, runs without a checkpoint yet, damaged checkpoints. */
class ResumeCliTest {

    private static long trainRows(Path run) throws Exception {
        return Files.readAllLines(run.resolve("metrics.csv")).stream().filter(l -> l.startsWith("train,")).count();
    }

    @Test
    void resumeWithStepsExtendsAFinishedRunToTheNewTotal(@TempDir Path dir) throws Exception {
        Path data = CliTest.corpus(dir), run = dir.resolve("run");
        CliTest.run(0, CliTest.args("train", data, run, "--steps", "10"));
        CliTest.run(0, "train", "--resume", run.toString(), "--steps", "15");
        assertEquals(15, trainRows(run), "each step once");
        assertEquals(15, new ObjectMapper().readTree(run.resolve("config.json").toFile()).get("steps").asInt(),
                "config.json records the new total");
        String err = CliTest.run(2, "train", "--resume", run.toString(), "--steps", "12");
        assertTrue(err.contains("already at step 15") && err.contains("--steps"), err);
        assertEquals(15, new ObjectMapper().readTree(run.resolve("config.json").toFile()).get("steps").asInt(),
                "a refused extension changes nothing");
        err = CliTest.run(2, "train", "--resume", run.toString());
        assertTrue(err.contains("already at step 15"), err);
    }

    @Test
    void aRunKilledBeforeItsFirstCheckpointStartsOverAndMetricsHoldEachStepOnce(@TempDir Path dir) throws Exception {
        Path data = CliTest.corpus(dir), run = dir.resolve("run");
        CliTest.run(0, CliTest.args("train", data, run, "--steps", "10", "--checkpoint-every-steps", "3"));
        List<String> metrics = Files.readAllLines(run.resolve("metrics.csv"));
        // As if killed at step 10 before any checkpoint: checkpoints gone, metrics kept.
        dev.jgrad.core.io.AtomicDirectory.deleteRecursively(run.resolve("checkpoints/last"));
        dev.jgrad.core.io.AtomicDirectory.deleteRecursively(run.resolve("checkpoints/best"));
        CliTest.run(0, "train", "--resume", run.toString());
        assertEquals(10, trainRows(run));
        assertEquals(metrics.size(), Files.readAllLines(run.resolve("metrics.csv")).size());
    }

    @Test
    void aDamagedCheckpointIsOneClearLineNamingTheFileAndField(@TempDir Path dir) throws Exception {
        Path data = CliTest.corpus(dir), run = dir.resolve("run");
        CliTest.run(0, CliTest.args("train", data, run, "--steps", "5"));
        ObjectMapper mapper = new ObjectMapper();
        for (Object bad : List.of(-5, 1099511627776L, "abc")) {
            for (String which : List.of("last", "best")) {
                Path json = run.resolve("checkpoints").resolve(which).resolve("training.json");
                ObjectNode root = (ObjectNode) mapper.readTree(json.toFile());
                root.set("step", mapper.valueToTree(bad));
                mapper.writeValue(json.toFile(), root);
            }
            String err = CliTest.run(2, "train", "--resume", run.toString(), "--steps", "8");
            assertTrue(err.contains("training.json") && err.contains("\"step\""), err);
            assertFalse(err.contains("\tat "), "no stack trace: " + err);
            assertEquals(1, err.strip().lines().count(), err);
        }
    }

    @Test
    void checkpointIntervalsMustNotBeNegative(@TempDir Path dir) throws Exception {
        Path data = CliTest.corpus(dir);
        String err = CliTest.run(2, CliTest.args("train", data, dir.resolve("r"), "--checkpoint-every-steps", "-1"));
        assertTrue(err.contains("--checkpoint-every-steps -1"), err);
        assertFalse(Files.exists(dir.resolve("r")), "nothing written");
    }
}
