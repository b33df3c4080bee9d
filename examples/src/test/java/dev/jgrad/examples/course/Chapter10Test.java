package dev.jgrad.examples.course;

import dev.jgrad.examples.course.exercises.Check10;
import dev.jgrad.examples.course.exercises.MySolution10;
import dev.jgrad.examples.course.solutions.Solution10;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Chapter10Test {

    @Test
    void programPrintsWhatTheChapterQuotes(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Chapter10.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir);
        String out = bytes.toString(StandardCharsets.UTF_8);
        // Hand-computed: TP 3, FP 2, FN 1 -> precision 3/5, recall 3/4, F1 2/3; sklearn's regression example.
        assertTrue(out.contains("precision 0.6000  recall 0.7500  F1 0.6667"), out);
        assertTrue(out.contains("MSE 0.3750  MAE 0.5000"), out);
        assertTrue(out.contains("uniform over 65 characters, loss ln 65 = 4.1744 nats -> perplexity 65.00"), out);
        assertTrue(Files.size(dir.resolve("10-pronoun-skew.png")) > 1000);
        CourseText.assertQuotedOutput(10, out);
    }

    @Test
    void cooccurrenceCountsEachSentenceOncePerSide() {
        Map<String, int[]> c = Chapter10.cooccurrence(List.of("The nurse said he and she agreed; he left.", "A pilot."));
        assertArrayEquals(new int[]{1, 1}, c.get("nurse"));
        assertArrayEquals(new int[]{0, 0}, c.get("pilot"));
    }

    @Test
    void referenceSolutionPassesAndStubFails() {
        assertEquals(List.of(), Check10.check(new Solution10()));
        List<String> stub = Check10.check(new MySolution10());
        assertFalse(stub.isEmpty());
        assertTrue(stub.getFirst().contains("exercise 10.1"), stub.getFirst());
    }
}
