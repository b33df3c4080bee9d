package dev.jgrad.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./jgrad learn}: listing, running a chapter, checking exercises, and refusing bad input in one line. */
class LearnCommandTest {

    @Test
    void listNamesTenChaptersWithTheirTitles(@TempDir Path cwd) {
        InProcess.Result r = InProcess.run(cwd, "learn", "list");
        assertEquals(0, r.code(), r.all());
        assertEquals(10, r.out().lines().count(), r.out());
        assertTrue(r.out().contains(" 1  Autograd: a scalar engine"), r.out());
        for (int n = 1; n <= 10; n++) assertTrue(r.out().contains(String.format("%2d  ", n)), r.out());
    }

    @Test
    void aChapterWithoutFiguresPrintsItsNumbersAndLeavesNoFolder(@TempDir Path cwd) {
        InProcess.Result r = InProcess.run(cwd, "learn", "1");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("g = 24.7041   dg/da = 138.8338   dg/db = 645.5773"), r.out());
        assertFalse(Files.exists(cwd.resolve("runs/course-01")));
    }

    @Test
    void figuresGoToRunsCourseNNByDefault(@TempDir Path cwd) {
        InProcess.Result r = InProcess.run(cwd, "learn", "5");
        assertEquals(0, r.code(), r.all());
        assertTrue(Files.isRegularFile(cwd.resolve("runs/course-05/attention-map.png")));
        assertTrue(r.out().contains("figures in " + cwd.toAbsolutePath().normalize().resolve("runs/course-05")), r.out());
    }

    @Test
    void outChoosesTheFigureFolder(@TempDir Path cwd) {
        InProcess.Result r = InProcess.run(cwd, "learn", "5", "--out", "figs");
        assertEquals(0, r.code(), r.all());
        assertTrue(Files.isRegularFile(cwd.resolve("figs/attention-map.png")));
        assertFalse(Files.exists(cwd.resolve("runs")));
    }

    @Test
    void listRefusesOptions(@TempDir Path cwd) {
        InProcess.Result r = InProcess.run(cwd, "learn", "list", "--check");
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("'learn list' takes no --check or --out"), r.err());
    }

    @Test
    void checkFailsWhileTheExercisesAreStubs(@TempDir Path cwd) {
        InProcess.Result r = InProcess.run(cwd, "learn", "1", "--check");
        assertNotEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("FAIL  sigmoid\n      1.1 sigmoid: exercise 1.1: build 1/(1+exp(-x))"), r.out());
        assertTrue(r.out().contains("FAIL  meanSquaredError\n"), r.out());
        assertTrue(r.out().contains("chapter 1: 0 of 3 exercises pass (edit MySolution01.java)"), r.out());
        assertFalse(r.out().contains("PASS"), r.out());
    }

    @Test
    void badChapterNumbersGiveOneClearLine(@TempDir Path cwd) {
        for (String bad : new String[] {"0", "11", "two"}) {
            InProcess.Result r = InProcess.run(cwd, "learn", bad);
            assertEquals(2, r.code(), r.all());
            assertTrue(r.err().contains("expected 'list' or a chapter number from 1 to 10, got '" + bad + "'"), r.err());
            assertFalse(r.all().contains("Exception"), r.all());
        }
    }

    @Test
    void outThatIsAFileIsRefused(@TempDir Path cwd) throws Exception {
        Files.writeString(cwd.resolve("taken"), "x");
        InProcess.Result r = InProcess.run(cwd, "learn", "1", "--out", "taken");
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("is a file, not a directory"), r.err());
        assertFalse(r.all().contains("Exception"), r.all());
        assertEquals("x", Files.readString(cwd.resolve("taken")));
    }
}
