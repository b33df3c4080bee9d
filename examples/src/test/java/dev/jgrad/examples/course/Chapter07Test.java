package dev.jgrad.examples.course;

import dev.jgrad.examples.course.exercises.Check07;
import dev.jgrad.examples.course.exercises.MySolution07;
import dev.jgrad.examples.course.solutions.Solution07;
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

class Chapter07Test {

    @Test
    void programPrintsWhatTheChapterQuotes(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Chapter07.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir);
        String out = bytes.toString(StandardCharsets.UTF_8);
        // By hand: top-k 2 leaves softmax(2, 1) = (e/(e+1), 1/(e+1)); cache cost 4+5+6+7+8+9 vs 4+1+1+1+1+1.
        assertTrue(out.contains("top-k=2  0.731  0.269  0.000  0.000  0.000"), out);
        assertTrue(out.contains("token positions run through the model: without cache 39, with cache 9"), out);
        assertTrue(out.contains("same logits (max difference below 1e-5): true"), out);
        assertTrue(Files.size(dir.resolve("07-temperature.png")) > 1000);
        CourseText.assertQuotedOutput(7, out);
    }

    @Test
    void referenceSolutionPassesAndStubFails() {
        assertEquals(List.of(), Check07.check(new Solution07()));
        List<String> stub = Check07.check(new MySolution07());
        assertFalse(stub.isEmpty());
        assertTrue(stub.getFirst().contains("exercise 7.1"), stub.getFirst());
    }
}
