package dev.jgrad.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.jgrad.examples.CliTest.args;
import static dev.jgrad.examples.CliTest.corpus;
import static dev.jgrad.examples.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./jgrad search} with TPE, pruning, a saved study, --resume and the ready train command. */
class SearchCliTest {

    private static String stdout(int expectedExit, String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            run(expectedExit, args);
        } finally {
            System.setOut(old);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void tpeSearchWithPruningSavesItsStudyAndResumes(@TempDir Path dir) throws Exception {
        Path data = corpus(dir), out = dir.resolve("search");
        String[] first = args("search", data, out, "--steps", "10", "--strategy", "tpe", "--pruner", "asha",
                "--startup-trials", "2", "--trials", "3", "--param", "lr=loguniform:1e-3:1e-2", "--param", "dim=16,32");
        String printed = stdout(0, first);
        assertEquals(3, Files.readAllLines(out.resolve("study.jsonl")).size());
        // the ready command trains the best configuration with the search's data and model options
        String train = printed.lines().filter(l -> l.strip().startsWith("./jgrad train")).findFirst().orElseThrow();
        assertTrue(train.contains("--lr ") && train.contains("--dim ") && train.contains("--data " + data), train);
        assertFalse(train.contains("--strategy") || train.contains("--param") || train.contains("--pruner"), train);
        // every trial that ran is also a TensorBoard run
        try (var files = Files.list(out.resolve("trial-001"))) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("events.out.tfevents.")));
        }

        String err = run(2, first);                                   // the same --out again, without --resume
        assertTrue(err.contains("--resume"), err);
        String[] more = args("search", data, out, "--steps", "10", "--strategy", "tpe", "--pruner", "asha",
                "--startup-trials", "2", "--trials", "5", "--param", "lr=loguniform:1e-3:1e-2", "--param", "dim=16,32");
        String[] resumed = java.util.stream.Stream.concat(java.util.Arrays.stream(more), java.util.stream.Stream.of("--resume"))
                .toArray(String[]::new);
        stdout(0, resumed);
        List<String> study = Files.readAllLines(out.resolve("study.jsonl"));
        assertEquals(5, study.size());
        assertTrue(study.get(4).startsWith("{\"trial\":4,"), study.get(4));

        String[] otherSeed = java.util.stream.Stream.concat(java.util.Arrays.stream(resumed), java.util.stream.Stream.of("--seed", "7"))
                .toArray(String[]::new);
        err = run(2, otherSeed);
        assertTrue(err.contains("seed"), err);
    }

    @Test
    void badSearchOptionsAreOneClearLine(@TempDir Path dir) throws Exception {
        Path data = corpus(dir);
        String err = run(2, args("search", data, dir.resolve("s1"), "--strategy", "bayes", "--param", "lr=1e-3,3e-3"));
        assertTrue(err.contains("--strategy must be grid, random, tpe or gp"), err);
        assertFalse(Files.exists(dir.resolve("s1")), "nothing written");
        err = run(2, args("search", data, dir.resolve("s2"), "--pruner", "hyperband", "--param", "lr=1e-3,3e-3"));
        assertTrue(err.contains("--pruner must be median, asha or none"), err);
        err = run(2, "search", "--data", data.toString(), "--resume", "--out", dir.resolve("s3").toString(), "--param", "lr=1e-3");
        assertTrue(err.contains("holds no search"), err);
        assertFalse(err.contains("\tat "), err);
    }
}
