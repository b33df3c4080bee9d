package dev.jgrad.optim.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HyperparameterSearchTest {

    @Test
    void gridEnumeratesTheWholeProductLastDimensionFastest() {
        SearchSpace s = SearchSpace.parse(List.of("lr=1e-3,1e-2", "layers=int:2:4", "wd=loguniform:1e-4:1e-2"));
        var grid = new HyperparameterSearch(s, HyperparameterSearch.Strategy.GRID, 1000, 3, 0, null).configurations();
        assertEquals(2 * 3 * 3, grid.size());
        assertEquals(Map.of("lr", 1e-3, "layers", 2, "wd", 1e-4), Map.copyOf(grid.get(0)));
        assertEquals(1e-3, (double) grid.get(1).get("wd"), 1e-15); // log-spaced: 1e-4, 1e-3, 1e-2
        assertEquals(3, grid.get(3).get("layers"));
        assertEquals(1e-2, grid.get(17).get("lr"));
        assertEquals(18, grid.stream().map(Map::toString).collect(Collectors.toSet()).size());
        // an upper bound on the number of trials truncates the grid
        assertEquals(5, new HyperparameterSearch(s, HyperparameterSearch.Strategy.GRID, 5, 3, 0, null).configurations().size());
    }

    @Test
    void randomSearchIsSeededAndStaysInRange() {
        SearchSpace s = SearchSpace.parse(List.of("lr=loguniform:1e-4:1e-2", "dropout=uniform:0:0.3", "act=relu,gelu"));
        var a = new HyperparameterSearch(s, HyperparameterSearch.Strategy.RANDOM, 200, 1, 7, null).configurations();
        var b = new HyperparameterSearch(s, HyperparameterSearch.Strategy.RANDOM, 200, 1, 7, null).configurations();
        var c = new HyperparameterSearch(s, HyperparameterSearch.Strategy.RANDOM, 200, 1, 8, null).configurations();
        assertEquals(a, b);
        assertNotEquals(a, c);
        int lowDecade = 0;
        for (var cfg : a) {
            double lr = (double) cfg.get("lr");
            assertTrue(lr >= 1e-4 && lr <= 1e-2);
            if (lr < 1e-3) lowDecade++;
            double d = (double) cfg.get("dropout");
            assertTrue(d >= 0 && d <= 0.3);
            assertTrue(Set.of("relu", "gelu").contains(cfg.get("act")));
        }
        // log-uniform: about half the draws in each decade
        assertTrue(lowDecade > 70 && lowDecade < 130, "draws below 1e-3: " + lowDecade);
    }

    @Test
    void trialsAreRankedFailuresRecordedAndBestSaved(@TempDir Path dir) throws Exception {
        SearchSpace s = SearchSpace.parse(List.of("x=0,1,2,3"));
        List<Trial> trials = new HyperparameterSearch(s, HyperparameterSearch.Strategy.GRID, 10, 1, 0, null).run((i, p, r) -> {
            int x = (int) p.get("x");
            if (x == 2) throw new IllegalStateException("diverged");
            return new Trial.Outcome((x - 1.2) * (x - 1.2), 10, "completed");
        });
        assertEquals(4, trials.size());
        List<Trial> ranked = HyperparameterSearch.ranked(trials);
        assertEquals(1, ranked.get(0).params().get("x"));
        assertTrue(Double.isNaN(ranked.get(3).metric()));
        assertTrue(ranked.get(3).note().contains("diverged"));
        assertTrue(HyperparameterSearch.table(trials).lines().skip(1).findFirst().orElseThrow().contains("x=1"));
        HyperparameterSearch.save(dir, trials);
        var best = new ObjectMapper().readTree(dir.resolve("best.json").toFile());
        assertEquals(1, best.get("params").get("x").asInt());
        assertEquals(5, Files.readAllLines(dir.resolve("results.csv")).size());
    }

    @Test
    void theTimeBudgetStopsStartingTrials() {
        SearchSpace s = SearchSpace.parse(List.of("x=int:0:99"));
        List<Trial> trials = new HyperparameterSearch(s, HyperparameterSearch.Strategy.GRID, 100, 1, 0, Duration.ofMillis(50))
                .run((i, p, r) -> {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        throw new RuntimeException(e);
                    }
                    return new Trial.Outcome(1, 1, "completed");
                });
        assertTrue(trials.size() >= 2 && trials.size() <= 4, "trials run: " + trials.size());
    }

    @Test
    void badSpecsAreClearErrors() {
        assertThrows(IllegalArgumentException.class, () -> SearchSpace.parse(List.of("lr")));
        var e = assertThrows(IllegalArgumentException.class, () -> SearchSpace.parse(List.of("lr=loguniform:0:1")));
        assertTrue(e.getMessage().contains("0 < low"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SearchSpace.parse(List.of("lr=uniform:1")));
        assertTrue(e.getMessage().contains("lr=uniform:1"), e.getMessage());
    }
}
