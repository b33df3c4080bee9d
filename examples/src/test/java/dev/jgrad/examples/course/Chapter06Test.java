package dev.jgrad.examples.course;

import dev.jgrad.examples.course.exercises.Check06;
import dev.jgrad.examples.course.exercises.MySolution06;
import dev.jgrad.examples.course.solutions.Solution06;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Chapter06Test {

    @Test
    void programPrintsWhatTheChapterQuotes(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Chapter06.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir);
        String out = bytes.toString(StandardCharsets.UTF_8);
        // 2 blocks of 12C² + 13C (C = 32) + wte 70·32 + wpe 32·32 + ln_f 2·32; uniform loss ln 70.
        assertTrue(out.contains("== full train set, dropout 0.0 (28736 parameters) =="), out);
        assertTrue(out.contains("a model that knows nothing: loss ln 70 = 4.248"), out);
        assertTrue(out.contains("stops at step 100 instead of 150"), out);
        assertTrue(Files.size(dir.resolve("06-loss-curves.png")) > 1000);
        CourseText.assertQuotedOutput(6, out);
    }

    @Test
    void earlyStoppingCountsEvaluationsWithoutImprovement() {
        assertEquals(3, Chapter06.earlyStop(List.of(3.0, 2.0, 2.5, 2.6, 1.0), 2, 0.0));
        assertEquals(4, Chapter06.earlyStop(List.of(3.0, 2.0, 2.5, 1.9, 1.8), 2, 0.0));
        assertEquals(2, Chapter06.earlyStop(List.of(3.0, 2.0, 1.95), 1, 0.1));
    }

    @Test
    void referenceSolutionPassesAndStubFails() {
        assertEquals(List.of(), Check06.check(new Solution06()));
        List<String> stub = Check06.check(new MySolution06());
        assertFalse(stub.isEmpty());
        assertTrue(stub.getFirst().contains("exercise 6.1"), stub.getFirst());
    }
}
