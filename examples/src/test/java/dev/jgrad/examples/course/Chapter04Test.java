package dev.jgrad.examples.course;

import dev.jgrad.examples.course.exercises.Check04;
import dev.jgrad.examples.course.exercises.MySolution04;
import dev.jgrad.examples.course.solutions.Solution04;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Chapter04Test {

    @TempDir
    static Path dir;
    static String out;

    @BeforeAll
    static void runTheProgramOnce() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Chapter04.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir);
        out = bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theChapterQuotesWhatItsProgramPrints() throws Exception {
        CourseText.assertQuotedOutput(4, out);
    }

    @Test
    void theNaiveTrainerAgreesWithTheLibrary() {
        assertTrue(out.contains("learn the same first 200 merges: yes"), out);
    }

    /** A corpus small enough to do by hand: "aaab" ×2 and "ab" ×3 → pair (a,b) occurs 5 times, (a,a) 4 times. */
    @Test
    void mergesOnAHandWorkedCorpus() {
        List<byte[]> vocab = new ArrayList<>();
        List<int[]> merges = Chapter04.train(Map.of("aaab", 2, "ab", 3), 2, vocab);
        assertArrayEquals(new int[] {'a', 'b', 5}, merges.get(0));
        // after "ab" → 256: "aaab" = a a 256 (×2): pairs (a,a) ×2 and (a,256) ×2; the tie goes to the smaller right id
        assertArrayEquals(new int[] {'a', 'a', 2}, merges.get(1));
        assertEquals("aa", new String(vocab.get(257), StandardCharsets.UTF_8));
    }

    @Test
    void compressionGrowsWithTheVocabulary() {
        List<Double> train = out.lines().filter(l -> l.startsWith("vocabulary") && l.contains("training text"))
                .map(l -> Double.parseDouble(l.replaceAll(".*training text ([0-9.]+) .*", "$1"))).toList();
        assertEquals(4, train.size(), out);
        for (int i = 1; i < train.size(); i++) assertTrue(train.get(i) > train.get(i - 1), train.toString());
    }

    @Test
    void referenceSolutionsPassAndStubsFail() {
        assertEquals(List.of(), Check04.check(new Solution04()));
        List<String> stub = Check04.check(new MySolution04());
        assertEquals(3, stub.size(), stub.toString());
        assertTrue(stub.get(2).contains("exercise 4.3"), stub.toString());
    }
}
