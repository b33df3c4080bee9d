package dev.jgrad.examples.course;

import dev.jgrad.examples.course.exercises.Check08;
import dev.jgrad.examples.course.exercises.MySolution08;
import dev.jgrad.examples.course.solutions.Solution08;
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

class Chapter08Test {

    @Test
    void programPrintsWhatTheChapterQuotes(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Chapter08.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir);
        String out = bytes.toString(StandardCharsets.UTF_8);
        // bitsandbytes' published cost of NF4 with double quantization at block 64; LoRA starts equal to its base.
        assertTrue(out.contains("NF4 block 64, double quantization true : 4.127 bits per parameter"), out);
        assertTrue(out.contains("at init B = 0: max |lora(x) - W x| = 0.0e+00"), out);
        assertTrue(out.contains("NF4 base weights unchanged: true"), out);
        assertTrue(out.contains("-1.0000 -0.6962 -0.5251 -0.3949 -0.2844 -0.1848 -0.0911 0.0000"), out);
        assertTrue(Files.size(dir.resolve("08-nf4-error.png")) > 1000);
        CourseText.assertQuotedOutput(8, out);
    }

    @Test
    void referenceSolutionPassesAndStubFails() {
        assertEquals(List.of(), Check08.check(new Solution08()));
        List<String> stub = Check08.check(new MySolution08());
        assertFalse(stub.isEmpty());
        assertTrue(stub.getFirst().contains("exercise 8.1"), stub.getFirst());
    }
}
