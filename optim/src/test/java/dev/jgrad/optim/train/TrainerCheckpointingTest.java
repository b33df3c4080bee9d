package dev.jgrad.optim.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jgrad.core.Generator;
import dev.jgrad.nn.data.RandomWindowSampler;
import dev.jgrad.nn.data.TokenSource;
import dev.jgrad.optim.Adam;
import dev.jgrad.optim.AdamW;
import dev.jgrad.optim.Checkpoint;
import dev.jgrad.optim.WarmupCosineLr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Periodic checkpoints, stop requests, crashes (an exception out of a step stands in for a kill: nothing after it
 * runs), resuming from the newest checkpoint, extending a finished run, and the metrics of a resumed run.
 */
class TrainerCheckpointingTest {

    /** A crash in the middle of training. */
    static final class Killed extends RuntimeException {
        Killed(int step) {
            super("killed at step " + step);
        }
    }

    record Run(TrainerTest.Bigram model, Trainer trainer) {}

    /** TrainerTest's bigram run; {@code onStep} sees each completed step (and may stop or "kill" the run). */
    static Run build(Path runDir, int maxSteps, int everySteps, double everyMinutes, IntConsumer onStep) {
        Generator init = new Generator(1), dropout = new Generator(2);
        TrainerTest.Bigram model = new TrainerTest.Bigram(16, 8, init, dropout);
        AdamW opt = new AdamW(model.parameters(), new Adam.Options(3e-2, 0.9, 0.99, 1e-8, 0.1, false));
        WarmupCosineLr sched = new WarmupCosineLr(opt, 5, maxSteps, 3e-3);
        TokenSource tokens = TrainerTest.corpus(4000, 16, 7);
        TrainerConfig cfg = TrainerConfig.builder().maxSteps(maxSteps).evalInterval(5).evalBatches(3).clipNorm(1.0)
                .runDir(runDir).checkpointEvery(everySteps, everyMinutes).build();
        Trainer t = new Trainer(model, opt, sched, model::loss, new RandomWindowSampler(tokens, 4, 8, 11),
                new RandomWindowSampler(tokens, 4, 8, 12), Map.of("dropout", dropout), cfg);
        t.addCallback(new TrainerCallback() {
            @Override
            public void onStep(StepMetrics m) {
                onStep.accept(m.step());
            }
        });
        return new Run(model, t);
    }

    static Run build(Path runDir, int maxSteps, int everySteps) {
        return build(runDir, maxSteps, everySteps, 0, s -> {});
    }

    static void assertSameWeights(Run expected, Run actual) {
        for (var e : expected.model().namedParameters().entrySet())
            assertArrayEquals(e.getValue().toFloatArray(), actual.model().namedParameters().get(e.getKey()).toFloatArray(),
                    e.getKey());
    }

    /** {@code metrics.csv} without the timing columns. */
    static List<String> metrics(Path runDir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.csv")))
            out.add(String.join(",", List.of(line.split(",", -1)).subList(0, 6)));
        return out;
    }

    @Test
    void aStoppedThenCrashedRunResumesToTheUninterruptedWeightsAndMetrics(@TempDir Path dir) throws Exception {
        Run straight = build(dir.resolve("straight"), 20, 0);
        straight.trainer().fit();
        Path runDir = dir.resolve("run");

        Run[] first = new Run[1];
        first[0] = build(runDir, 20, 3, 0, s -> { if (s == 7) first[0].trainer().requestStop(); });
        TrainingResult stopped = first[0].trainer().fit();
        assertEquals(7, stopped.steps(), "the stop takes effect at the end of the step");
        assertEquals(7, Checkpoint.savedStep(runDir.resolve("checkpoints/last")), "and writes checkpoints/last");

        Run crashed = build(runDir, 20, 3, 0, s -> { if (s == 11) throw new Killed(s); });
        assertEquals(runDir.resolve("checkpoints/last"), crashed.trainer().resumeLatest());
        assertThrows(Killed.class, () -> crashed.trainer().fit());
        assertEquals(9, Checkpoint.savedStep(runDir.resolve("checkpoints/last")), "the periodic checkpoint at step 9");
        assertTrue(metrics(runDir).stream().anyMatch(l -> l.startsWith("train,11,")), "steps 10 and 11 were logged");

        assertEquals(10, Checkpoint.savedStep(runDir.resolve("checkpoints/best")), "the evaluation at step 10 improved");

        Run resumed = build(runDir, 20, 3);
        assertEquals(runDir.resolve("checkpoints/best"), resumed.trainer().resumeLatest(), "the newest checkpoint");
        assertEquals(10, resumed.trainer().step());
        resumed.trainer().fit();
        assertSameWeights(straight, resumed);
        assertEquals(metrics(dir.resolve("straight")), metrics(runDir), "each step once, with the same values");
        List<String> jsonl = Files.readAllLines(runDir.resolve("metrics.jsonl"));
        assertEquals(Files.readAllLines(dir.resolve("straight/metrics.jsonl")).size(), jsonl.size());
    }

    @Test
    void checkpointsFollowTheTimeInterval(@TempDir Path dir) throws Exception {
        Path last = dir.resolve("timed/checkpoints/last");
        List<Long> seen = new ArrayList<>();
        build(dir.resolve("timed"), 6, 0, 1e-9, s -> seen.add(Files.isDirectory(last) ? savedStep(last) : -1)).trainer().fit();
        assertEquals(List.of(-1L, 1L, 2L, 3L, 4L, 5L), seen, "a tiny interval: a checkpoint after every step");

        Path untimed = dir.resolve("untimed/checkpoints/last");
        seen.clear();
        build(dir.resolve("untimed"), 6, 0, 0, s -> seen.add(Files.isDirectory(untimed) ? 1L : -1L)).trainer().fit();
        assertEquals(List.of(-1L, -1L, -1L, -1L, -1L, -1L), seen, "no interval: only at the end");
        assertEquals(6, Checkpoint.savedStep(untimed));
    }

    private static long savedStep(Path dir) {
        try {
            return Checkpoint.savedStep(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void resumeLatestTakesBestWhenLastIsMissingOrUnreadable(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        assertNull(build(runDir, 20, 0).trainer().resumeLatest(), "no checkpoint yet: start at step 0");

        // Killed at step 8 with no periodic checkpoints: only best (evaluation at step 5) exists.
        assertThrows(Killed.class, () -> build(runDir, 20, 0, 0, s -> { if (s == 8) throw new Killed(s); }).trainer().fit());
        assertFalse(Files.exists(runDir.resolve("checkpoints/last")));
        Run fromBest = build(runDir, 20, 0);
        assertEquals(runDir.resolve("checkpoints/best"), fromBest.trainer().resumeLatest());
        assertEquals(5, fromBest.trainer().step());
        fromBest.trainer().fit();
        Run straight = build(dir.resolve("straight"), 20, 0);
        straight.trainer().fit();
        assertSameWeights(straight, fromBest);

        // The newer checkpoint (last, step 20) is damaged: the other one (best) is used.
        Files.write(runDir.resolve("checkpoints/last/model.safetensors"), new byte[] {1, 2, 3});
        Run fallback = build(runDir, 20, 0);
        assertEquals(runDir.resolve("checkpoints/best"), fallback.trainer().resumeLatest());
    }

    @Test
    void aFinishedRunIsExtendedByRaisingMaxSteps(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        build(runDir, 10, 0).trainer().fit();
        Run same = build(runDir, 10, 0);
        same.trainer().resumeLatest();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> same.trainer().fit());
        assertTrue(e.getMessage().contains("already at step 10 of 10"), e.getMessage());

        Run longer = build(runDir, 16, 0);   // its cosine schedule is laid over 16 steps
        longer.trainer().resumeLatest();
        TrainingResult r = longer.trainer().fit();
        assertEquals(16, r.steps());
        assertFalse(Double.isNaN(r.finalLoss()));
        assertEquals(16, metrics(runDir).stream().filter(l -> l.startsWith("train,")).count());
    }

    @Test
    void badTrainerStateIsNamedAndChangesNothing(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        build(runDir, 6, 0).trainer().fit();
        Path json = runDir.resolve("checkpoints/last/training.json");
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode original = (ObjectNode) mapper.readTree(json.toFile());
        for (var edit : List.<java.util.function.Consumer<ObjectNode>>of(
                j -> ((ObjectNode) j.get("extra").get("train_sampler")).put("position", -1),
                j -> ((ObjectNode) j.get("extra").get("train_sampler")).put("epoch", "abc"),
                j -> ((ObjectNode) j.get("extra")).put("best_step", "abc"),
                j -> ((ObjectNode) j.get("extra")).put("evals_without_improvement", 1099511627776L),
                j -> ((ObjectNode) j.get("extra")).remove("train_sampler"))) {
            ObjectNode copy = original.deepCopy();
            edit.accept(copy);
            mapper.writeValue(json.toFile(), copy);
            Run fresh = build(runDir, 10, 0);
            IOException e = assertThrows(IOException.class, () -> fresh.trainer().resume(runDir.resolve("checkpoints/last")));
            assertTrue(e.getMessage().contains("training.json") && e.getMessage().contains("\"extra."), e.getMessage());
            assertEquals(0, fresh.trainer().step(), "the trainer is unchanged");
        }
    }
}
