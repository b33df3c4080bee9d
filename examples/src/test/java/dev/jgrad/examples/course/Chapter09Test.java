package dev.jgrad.examples.course;

import dev.jgrad.examples.course.exercises.Check09;
import dev.jgrad.examples.course.exercises.MySolution09;
import dev.jgrad.examples.course.solutions.Solution09;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Chapter09Test {

    @Test
    void programPrintsWhatTheChapterQuotes(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Chapter09.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir);
        String out = bytes.toString(StandardCharsets.UTF_8);
        // By hand: n^3 GEMM moves 12 n^2 bytes for 2 n^3 FLOP, n/6 FLOP/byte; 331.508 · 2·512³ / 1e9 GFLOPS.
        assertTrue(out.contains("GEMM   4096^3      : 682.67 FLOP/byte"), out);
        assertTrue(out.contains("max |naive - tiled| = 0.0e+00"), out);
        assertTrue(out.contains("-> 88.99 GFLOPS"), out);
        CourseText.assertQuotedOutput(9, out);
        String chapter = Files.readString(CourseText.chapterFile(9));
        Matcher block = Pattern.compile("^```output\\n(.*?)^```$", Pattern.DOTALL | Pattern.MULTILINE).matcher(chapter);
        while (block.find())
            assertFalse(block.group(1).contains("measured:"), "the chapter must not quote machine-dependent lines");
    }

    @Test
    void referenceSolutionPassesAndStubFails() {
        assertEquals(List.of(), Check09.check(new Solution09()));
        List<String> stub = Check09.check(new MySolution09());
        assertFalse(stub.isEmpty());
        assertTrue(stub.getFirst().contains("exercise 9.1"), stub.getFirst());
    }
}
