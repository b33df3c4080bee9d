package dev.jgrad.examples.course;

import dev.jgrad.examples.course.exercises.Check01;
import dev.jgrad.examples.course.exercises.MySolution01;
import dev.jgrad.examples.course.solutions.Solution01;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Chapter01Test {

    static String run(Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Chapter01.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theChapterQuotesWhatItsProgramPrints(@TempDir Path dir) throws Exception {
        CourseText.assertQuotedOutput(1, run(dir));
    }

    /** micrograd's published values for its test expression (computed there with PyTorch in float64). */
    @Test
    void valueAndTensorBothFindMicrogradsGradients(@TempDir Path dir) throws Exception {
        String out = run(dir);
        String expected = "g = 24.7041   dg/da = 138.8338   dg/db = 645.5773";
        assertEquals(2, out.lines().filter(expected::equals).count(), out);
        assertTrue(out.contains("agree to 1e-9: yes"), out);
        // The neuron of micrograd's lecture: o = tanh(0.8814) = 0.7071, do/dx1 = w1·(1-o²) = -1.5
        assertTrue(out.contains("do/dx1 = -1.5000   do/dw1 = 1.0000   do/dx2 = 0.5000   do/dw2 = 0.0000   do/db = 0.5000"), out);
    }

    @Test
    void gradientDescentLowersTheLoss(@TempDir Path dir) throws Exception {
        List<Double> losses = run(dir).lines().filter(l -> l.startsWith("step "))
                .map(l -> Double.parseDouble(l.substring(l.indexOf("loss") + 4).trim())).toList();
        assertEquals(4, losses.size());
        for (int i = 1; i < losses.size(); i++) assertTrue(losses.get(i) < losses.get(i - 1), losses.toString());
    }

    @Test
    void referenceSolutionsPassAndStubsFail() {
        assertEquals(List.of(), Check01.check(new Solution01()));
        List<String> stub = Check01.check(new MySolution01());
        assertEquals(3, stub.size(), stub.toString());
        assertTrue(stub.getFirst().contains("exercise 1.1"), stub.toString());
    }
}
