package dev.jgrad.optim.search;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Studies saved trial by trial, resumed exactly, and pruning inside a search. */
class StudyTest {

    private static final SearchSpace SPACE = SearchSpace.parse(List.of("lr=loguniform:1e-4:1e-1", "width=int:1:8", "act=relu,gelu"));

    /** A fake training run: a learning curve reported every 10 of 80 steps, its level set by the hyperparameters. */
    private static Trial.Outcome train(Map<String, Object> p, HyperparameterSearch.Reporter reporter) {
        double lr = Math.log10((double) p.get("lr")) + 2.5, w = (int) p.get("width") - 5;
        double level = lr * lr + 0.2 * w * w + (p.get("act").equals("gelu") ? 0 : 0.5);
        double value = Double.NaN;
        for (int step = 10; step <= 80; step += 10) {
            value = level + 4.0 / step;
            reporter.report(step, value);
        }
        return new Trial.Outcome(value, 80, "completed");
    }

    private static HyperparameterSearch search(int trials, Path study) {
        return new HyperparameterSearch(SPACE, HyperparameterSearch.Strategy.TPE, trials, 1, 42, null)
                .startupTrials(5).pruner(new Pruner.SuccessiveHalving(10, 3)).studyFile(study);
    }

    @Test
    void aResumedSearchContinuesExactlyLikeAnUninterruptedOne(@TempDir Path dir) throws Exception {
        List<Trial> straight = search(20, dir.resolve("a.jsonl")).run((i, p, r) -> train(p, r));
        search(7, dir.resolve("b.jsonl")).run((i, p, r) -> train(p, r));              // interrupted after 7
        List<Trial> resumed = search(20, dir.resolve("b.jsonl")).run((i, p, r) -> {
            assertTrue(i >= 7, "trial " + i + " ran again");
            return train(p, r);
        });
        assertEquals(20, resumed.size());
        for (int i = 0; i < 20; i++) {
            Trial a = straight.get(i), b = resumed.get(i);
            assertEquals(a.params(), b.params(), "trial " + i);
            assertEquals(a.state(), b.state(), "trial " + i);
            assertEquals(a.metric(), b.metric(), "trial " + i);
            assertEquals(a.intermediate(), b.intermediate(), "trial " + i);
        }
        assertEquals(20, Files.readAllLines(dir.resolve("b.jsonl")).size());
        // pruning happened, and pruned trials stopped at a rung (10 or 30 steps of 80)
        List<Trial> pruned = straight.stream().filter(t -> t.state() == Trial.State.PRUNED).toList();
        assertTrue(pruned.size() >= 5, "pruned: " + pruned.size());
        for (Trial t : pruned) assertTrue(t.steps() == 10 || t.steps() == 30, "pruned at " + t.steps());
        assertTrue(HyperparameterSearch.ranked(straight).get(0).state() == Trial.State.COMPLETE);
    }

    @Test
    void loadingReadsBackWhatWasWrittenAndSkipsACutLastLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("study.jsonl");
        List<Trial> trials = search(6, file).run((i, p, r) -> {
            if (i == 3) throw new IllegalStateException("diverged");
            return train(p, r);
        });
        Files.writeString(file, "{\"trial\":6,\"state\":\"COMP", StandardOpenOption.APPEND);
        List<Trial> loaded = Study.load(file);
        assertEquals(6, loaded.size());
        for (int i = 0; i < 6; i++) {
            assertEquals(trials.get(i).params(), loaded.get(i).params());
            assertEquals(trials.get(i).state(), loaded.get(i).state());
            assertEquals(trials.get(i).steps(), loaded.get(i).steps());
            assertEquals(trials.get(i).intermediate(), loaded.get(i).intermediate());
            assertEquals(trials.get(i).note(), loaded.get(i).note());
        }
        assertEquals(Trial.State.FAILED, loaded.get(3).state());
        assertTrue(Double.isNaN(loaded.get(3).metric()));
        assertTrue(loaded.get(0).params().get("width") instanceof Integer);
        assertTrue(loaded.get(0).params().get("lr") instanceof Double);

        Files.writeString(file, "not json\n{\"trial\":0}\n");
        var e = assertThrows(IllegalArgumentException.class, () -> Study.load(file));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }
}
