package dev.jgrad.examples.course;

import dev.jgrad.examples.course.exercises.Check02;
import dev.jgrad.examples.course.exercises.MySolution02;
import dev.jgrad.examples.course.solutions.Solution02;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Chapter02Test {

    static String run(Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Chapter02.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theChapterQuotesWhatItsProgramPrints(@TempDir Path dir) throws Exception {
        CourseText.assertQuotedOutput(2, run(dir));
    }

    @Test
    void everyDerivationAgreesWithAutogradAndFiniteDifferences(@TempDir Path dir) throws Exception {
        String out = run(dir);
        assertEquals(3, out.lines().filter(l -> l.contains("hand = autograd (to 1e-12): yes   hand = finite difference (to 1e-6): yes")).count(), out);
        assertFalse(out.contains("NO"), out);
    }

    /** The hand softmax backward against a Jacobian written out element by element. */
    @Test
    void softmaxBackwardIsTheJacobianTimesG() {
        double[][] x = {{0.3, -1.2, 2.0, 0.5}};
        double[][] g = {{0.7, 0.1, -0.4, 1.5}};
        double[] y = Chapter02.softmax(x)[0];
        double[] dx = Chapter02.softmaxBackward(new double[][] {y}, g)[0];
        for (int k = 0; k < 4; k++) {
            double expected = 0;
            for (int j = 0; j < 4; j++) expected += g[0][j] * y[j] * ((j == k ? 1 : 0) - y[k]);
            assertEquals(expected, dx[k], 1e-15);
        }
    }

    @Test
    void referenceSolutionsPassAndStubsFail() {
        assertEquals(List.of(), Check02.check(new Solution02()));
        List<String> stub = Check02.check(new MySolution02());
        assertEquals(3, stub.size(), stub.toString());
        assertTrue(stub.get(1).contains("exercise 2.2"), stub.toString());
    }
}
