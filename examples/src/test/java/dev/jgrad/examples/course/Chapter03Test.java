package dev.jgrad.examples.course;

import dev.jgrad.examples.course.exercises.Check03;
import dev.jgrad.examples.course.exercises.MySolution03;
import dev.jgrad.examples.course.solutions.Solution03;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Chapter03Test {

    @TempDir
    static Path dir;
    static String out;

    @BeforeAll
    static void runTheProgramOnce() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Chapter03.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir);
        out = bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theChapterQuotesWhatItsProgramPrints() throws Exception {
        CourseText.assertQuotedOutput(3, out);
    }

    @Test
    void adamSeparatesTheSpiralsAndTheFigureIsAPng() throws Exception {
        assertTrue(out.contains("accuracy 99.5%"), out);
        byte[] png = Files.readAllBytes(dir.resolve("loss-curves.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
    }

    /** The loss at the start is that of a near-uniform guess over two classes: close to log 2. */
    @Test
    void theFirstLossIsCloseToLogTwo() {
        double first = Double.parseDouble(out.lines().filter(l -> l.startsWith("Adam")).findFirst().orElseThrow()
                .replaceAll(".*step 0 ([0-9.]+),.*", "$1"));
        assertEquals(Math.log(2), first, 0.05);
    }

    @Test
    void theSpiralsAreBalancedAndOneHot() {
        var data = Chapter03.spirals(new dev.jgrad.core.Generator(3));
        assertArrayEquals(new int[] {200, 2}, data[1].shape());
        assertArrayEquals(new double[] {100, 100}, data[1].sum(0, false).toDoubleArray(), 0);
    }

    @Test
    void referenceSolutionsPassAndStubsFail() {
        assertEquals(List.of(), Check03.check(new Solution03()));
        List<String> stub = Check03.check(new MySolution03());
        assertEquals(3, stub.size(), stub.toString());
        assertTrue(stub.get(1).contains("exercise 3.2"), stub.toString());
    }
}
